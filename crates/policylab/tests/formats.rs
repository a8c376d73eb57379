//! Each trace format, good input and bad.

use policylab::format::{self, parse_csv, CsvColumns, Format, RECORD_SIZE};
use policylab::trace::KernelEvents;

fn pages(t: &policylab::Trace) -> Vec<u32> {
    t.pages.clone()
}

#[test]
fn refs_list() {
    let t = format::parse_refs("10, 20 ,10,0x14w 30r").unwrap();
    // 0x14 is 20: the same page. Dense ids in order of first use.
    assert_eq!(pages(&t), [0, 1, 0, 1, 2]);
    assert_eq!(t.writes, [false, false, false, true, false]);
    assert_eq!(t.distinct, 3);
    assert!(t.kernel.is_none());
    let e = format::parse_refs("1,x,3").unwrap_err();
    assert!(e.contains("item 2") && e.contains("`x`"), "{e}");
    assert!(format::parse_refs(" , ").unwrap_err().contains("empty"));
}

#[test]
fn text_format() {
    let src = "# a comment\n5\n6 w\n\n5 r   # trailing comment\nkey-a W\n0x5\n";
    let t = format::parse_text(src).unwrap();
    assert_eq!(pages(&t), [0, 1, 0, 2, 0]);
    assert_eq!(t.writes, [false, true, false, true, false]);
    let e = format::parse_text("1\n2 x\n").unwrap_err();
    assert!(e.starts_with("line 2:") && e.contains("`2 x`"), "{e}");
    let e = format::parse_text("1\n2 w extra\n").unwrap_err();
    assert!(e.starts_with("line 2:"), "{e}");
    assert!(format::parse_text("# nothing\n\n")
        .unwrap_err()
        .contains("empty"));
}

#[test]
fn csv_format() {
    let src = "time,obj,op\n1,7,read\n2,\"8\",W\n# skipped\n3,7,r\n";
    let cols = CsvColumns {
        id: "obj".into(),
        op: Some("op".into()),
    };
    let t = parse_csv(src, &cols).unwrap();
    assert_eq!(pages(&t), [0, 1, 0]);
    assert_eq!(t.writes, [false, true, false]);
    // Without --op-col every reference is a read.
    let t = parse_csv(
        src,
        &CsvColumns {
            id: "obj".into(),
            op: None,
        },
    )
    .unwrap();
    assert_eq!(t.write_count(), 0);
    // Quoted fields may hold commas and doubled quotes.
    let t = parse_csv(
        "id,x\n\"a,b\",1\n\"q\"\"\",2\n\"a,b\",3\n",
        &CsvColumns::default(),
    )
    .unwrap();
    assert_eq!(pages(&t), [0, 1, 0]);
}

#[test]
fn csv_errors_name_the_line() {
    let e = parse_csv("time,obj\n1,2\n", &CsvColumns::default()).unwrap_err();
    assert!(
        e.contains("no column `id`") && e.contains("time, obj"),
        "{e}"
    );
    let e = parse_csv("id,op\n1,r\n2\n", &CsvColumns::default()).unwrap_err();
    assert!(e.starts_with("line 3: 1 fields, the header has 2"), "{e}");
    let cols = CsvColumns {
        id: "id".into(),
        op: Some("op".into()),
    };
    let e = parse_csv("id,op\n1,r\n2,delete\n", &cols).unwrap_err();
    assert!(e.starts_with("line 3:") && e.contains("delete"), "{e}");
    let e = parse_csv("id,op\n,r\n", &cols).unwrap_err();
    assert!(e.contains("empty id"), "{e}");
    let e = parse_csv("id\n\"open\n", &CsvColumns::default()).unwrap_err();
    assert!(e.contains("line 2") && e.contains("quote"), "{e}");
    assert!(parse_csv("id\n", &CsvColumns::default())
        .unwrap_err()
        .contains("empty"));
    assert!(parse_csv("", &CsvColumns::default())
        .unwrap_err()
        .contains("empty"));
}

fn oracle_record(time: u32, id: u64, size: u32, next: i64) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(&time.to_le_bytes());
    r.extend_from_slice(&id.to_le_bytes());
    r.extend_from_slice(&size.to_le_bytes());
    r.extend_from_slice(&next.to_le_bytes());
    assert_eq!(r.len(), RECORD_SIZE);
    r
}

#[test]
fn oracle_general_from_a_file() {
    let ids: [u64; 6] = [1 << 40, 3, 1 << 40, 7, 3, u64::MAX];
    let mut data = Vec::new();
    for (i, &id) in ids.iter().enumerate() {
        data.extend(oracle_record(i as u32, id, 4096, -1));
    }
    let path = std::env::temp_dir().join(format!(
        "policylab-test-{}.oracleGeneral",
        std::process::id()
    ));
    std::fs::write(&path, &data).unwrap();
    let read = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let t = format::parse(Format::OracleGeneral, &read, &CsvColumns::default()).unwrap();
    assert_eq!(pages(&t), [0, 1, 0, 2, 1, 3]);
    assert_eq!(t.write_count(), 0);

    data.extend_from_slice(&[0; 10]);
    let e = format::parse_oracle_general(&data).unwrap_err();
    assert_eq!(e, "record 7 (byte 144) is truncated: 10 of 24 bytes");
    assert!(format::parse_oracle_general(&[])
        .unwrap_err()
        .contains("empty"));
    let e = format::parse_oracle_general(&[0x28, 0xb5, 0x2f, 0xfd, 0, 0]).unwrap_err();
    assert!(e.contains("zstd"), "{e}");
}

#[test]
fn faultline_format() {
    let src =
        "# faultline trace v1\n# prog=belady\nr 0x10\nf 0x10\nw 17\nf 17\nr 16 # again\ne 0x10\n";
    let t = format::parse_faultline(src).unwrap();
    assert_eq!(pages(&t), [0, 1, 0]);
    assert_eq!(t.writes, [false, true, false]);
    assert_eq!(
        t.kernel,
        Some(KernelEvents {
            faults: 2,
            evictions: 1
        })
    );
    for (bad, why) in [
        ("r 1\nx 2\n", "unknown record"),
        ("r 1\nr\n", "expected"),
        ("r 1\nw 2 3\n", "expected"),
        ("r 1\nr page\n", "not a number"),
    ] {
        let e = format::parse_faultline(bad).unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains(why), "{bad:?}: {e}");
    }
    // Events alone are no trace to replay.
    assert!(format::parse_faultline("f 1\n")
        .unwrap_err()
        .contains("empty"));
}

#[test]
fn binary_data_as_text_is_an_error() {
    let e = format::parse(
        Format::Text,
        &[b'1', b'\n', 0xff, 0xfe],
        &CsvColumns::default(),
    )
    .unwrap_err();
    assert!(e.contains("not UTF-8") && e.contains("byte 2"), "{e}");
}

#[test]
fn format_names() {
    for f in Format::ALL {
        assert_eq!(Format::from_name(f.name()), Some(f));
    }
    assert_eq!(
        Format::from_name("oracleGeneral"),
        Some(Format::OracleGeneral)
    );
    assert_eq!(Format::from_name("binary"), None);
}

//! sh: xv6's shell, in Rust.
//!
//! Grammar (xv6's):
//! ```text
//! line  := pipe { '&' } [ ';' line ]      ('&' may also separate: a & b)
//! pipe  := exec [ '|' pipe ]
//! exec  := '(' line ')' redirs  |  { word | redir }
//! redir := '<' word | '>' word | '>>' word
//! ```
//! plus single or double quotes around words. `cd` is a builtin. A line
//! that does not parse prints `sh: syntax error: ...`; a program that
//! cannot be run prints `exec NAME failed`. Programs are looked up as
//! given, then in "/" (where all programs live).
//!
//! `sh` reads commands from the console with a `$ ` prompt; `sh FILE`
//! reads them from FILE and `sh -c LINE` runs one line, both without a
//! prompt and exiting with the last command's status.
#![no_std]
#![no_main]

use abi::fcntl::{O_CREATE, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};
use ulib::prelude::*;
use ulib::{fs, io, process};

ulib::entry!(main);

// ---------------------------------------------------------------- parsing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    /// One of `< > | & ; ( )`, or '+' for `>>`.
    Sym(char),
}

fn tokenize(line: &str) -> Result<Vec<Tok>, String> {
    let b = line.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if b" \t\r\n\x0b".contains(&c) {
            i += 1;
        } else if c == b'#' {
            break; // comment to end of line
        } else if c == b'>' && b.get(i + 1) == Some(&b'>') {
            toks.push(Tok::Sym('+'));
            i += 2;
        } else if b"<>|&;()".contains(&c) {
            toks.push(Tok::Sym(c as char));
            i += 1;
        } else {
            // A word: runs of plain characters and quoted strings.
            let mut w = Vec::new();
            while i < b.len() && !b" \t\r\n\x0b<>|&;()".contains(&b[i]) {
                let q = b[i];
                if q == b'\'' || q == b'"' {
                    let end = match b[i + 1..].iter().position(|&x| x == q) {
                        Some(e) => i + 1 + e,
                        None => return Err(format!("unterminated {}", q as char)),
                    };
                    w.extend_from_slice(&b[i + 1..end]);
                    i = end + 1;
                } else {
                    w.push(q);
                    i += 1;
                }
            }
            // Splitting happened only at ASCII bytes, so this stays UTF-8.
            toks.push(Tok::Word(String::from_utf8(w).map_err(|_| "bad UTF-8")?));
        }
    }
    Ok(toks)
}

fn sym_name(c: char) -> String {
    if c == '+' {
        String::from(">>")
    } else {
        c.to_string()
    }
}

#[derive(Debug)]
enum Cmd {
    Exec(Vec<String>),
    /// Replace `fd` with `file` opened with `mode` (appending if `append`).
    Redir {
        cmd: Box<Cmd>,
        file: String,
        mode: i32,
        fd: i32,
        append: bool,
    },
    Pipe(Box<Cmd>, Box<Cmd>),
    List(Box<Cmd>, Box<Cmd>),
    Back(Box<Cmd>),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_sym(&self, set: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Sym(c)) if set.contains(*c))
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn line(&mut self) -> Result<Cmd, String> {
        let mut cmd = self.pipe()?;
        let mut back = false;
        while self.peek_sym("&") {
            self.pos += 1;
            back = true;
        }
        if back {
            cmd = Cmd::Back(Box::new(cmd));
            // Unlike xv6, `a & b` runs b too: '&' also separates commands.
            if self.pos < self.toks.len() && !self.peek_sym(";)") {
                let rest = self.line()?;
                return Ok(Cmd::List(Box::new(cmd), Box::new(rest)));
            }
        }
        if self.peek_sym(";") {
            self.pos += 1;
            if self.pos < self.toks.len() && !self.peek_sym(")") {
                let rest = self.line()?;
                cmd = Cmd::List(Box::new(cmd), Box::new(rest));
            }
        }
        Ok(cmd)
    }

    fn pipe(&mut self) -> Result<Cmd, String> {
        let left = self.exec()?;
        if self.peek_sym("|") {
            self.pos += 1;
            let right = self.pipe()?;
            return Ok(Cmd::Pipe(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    /// Parses one redirection if there is one next.
    fn redir(&mut self, redirs: &mut Vec<(char, String)>) -> Result<bool, String> {
        if !self.peek_sym("<>+") {
            return Ok(false);
        }
        let Some(Tok::Sym(op)) = self.next() else {
            unreachable!()
        };
        match self.next() {
            Some(Tok::Word(f)) => {
                redirs.push((op, f));
                Ok(true)
            }
            _ => Err(String::from("missing file for redirection")),
        }
    }

    fn exec(&mut self) -> Result<Cmd, String> {
        let mut redirs = Vec::new();
        let mut cmd = if self.peek_sym("(") {
            self.pos += 1;
            let inner = self.line()?;
            if !self.peek_sym(")") {
                return Err(String::from("missing )"));
            }
            self.pos += 1;
            while self.redir(&mut redirs)? {}
            if self.pos < self.toks.len() && !self.peek_sym("|&;)") {
                return Err(String::from("unexpected word after )"));
            }
            inner
        } else {
            let mut argv = Vec::new();
            loop {
                if self.redir(&mut redirs)? {
                    continue;
                }
                if self.pos >= self.toks.len() || self.peek_sym("|)&;") {
                    break;
                }
                match self.next() {
                    Some(Tok::Word(w)) => argv.push(w),
                    Some(Tok::Sym(c)) => return Err(format!("unexpected {}", sym_name(c))),
                    None => break,
                }
            }
            if argv.is_empty() {
                return Err(String::from("missing command"));
            }
            Cmd::Exec(argv)
        };
        for (op, file) in redirs {
            let (mode, fd, append) = match op {
                '<' => (O_RDONLY, 0, false),
                '>' => (O_WRONLY | O_CREATE | O_TRUNC, 1, false),
                _ => (O_RDWR | O_CREATE, 1, true),
            };
            cmd = Cmd::Redir {
                cmd: Box::new(cmd),
                file,
                mode,
                fd,
                append,
            };
        }
        Ok(cmd)
    }
}

/// Parses a whole line; `Ok(None)` for a blank line.
fn parse(line: &str) -> Result<Option<Cmd>, String> {
    let toks = tokenize(line)?;
    if toks.is_empty() {
        return Ok(None);
    }
    let mut p = Parser { toks, pos: 0 };
    let cmd = p.line()?;
    if p.pos < p.toks.len() {
        return Err(match &p.toks[p.pos] {
            Tok::Sym(c) => format!("unexpected {}", sym_name(*c)),
            Tok::Word(w) => format!("unexpected {}", w),
        });
    }
    Ok(Some(cmd))
}

// ---------------------------------------------------------------- running

fn cd(argv: &[String]) -> i32 {
    let dir = argv.get(1).map(|s| s.as_str()).unwrap_or("/");
    match fs::chdir(dir) {
        Ok(()) => 0,
        Err(_) => {
            eprintln!("cannot cd {}", dir);
            1
        }
    }
}

/// Runs `cmd` from the shell's own process: builtins and lists run here,
/// everything else in a child that is waited for. Returns the exit status.
fn run(cmd: Cmd) -> i32 {
    match cmd {
        Cmd::List(l, r) => {
            run(*l);
            run(*r)
        }
        Cmd::Exec(argv) if argv[0] == "cd" => cd(&argv),
        Cmd::Back(c) => {
            // Like xv6: a child starts the job and exits at once, so the
            // job is an orphan that init reaps and we never wait for it.
            match process::spawn(|| match process::fork() {
                Ok(0) => replace(*c),
                Ok(_) => 0,
                Err(_) => {
                    eprintln!("sh: fork failed");
                    1
                }
            }) {
                Ok(pid) => process::wait_for(pid).unwrap_or(1),
                Err(_) => {
                    eprintln!("sh: fork failed");
                    1
                }
            }
        }
        other => match process::fork() {
            Ok(0) => replace(other),
            Ok(pid) => process::wait_for(pid).unwrap_or(1),
            Err(_) => {
                eprintln!("sh: fork failed");
                1
            }
        },
    }
}

/// Runs `cmd` as this (child) process and exits.
fn replace(cmd: Cmd) -> ! {
    match cmd {
        Cmd::Exec(argv) => {
            if argv[0] == "cd" {
                process::exit(cd(&argv));
            }
            let args: Vec<&str> = argv.iter().map(|s| s.as_str()).collect();
            let _ = process::exec(&argv[0], &args);
            if !argv[0].contains('/') {
                let _ = process::exec(&format!("/{}", argv[0]), &args);
            }
            eprintln!("exec {} failed", argv[0]);
            process::exit(127);
        }
        Cmd::Redir {
            cmd,
            file,
            mode,
            fd,
            append,
        } => {
            // close + open: the file gets the lowest free descriptor, the
            // one just closed (xv6's idiom; there is no dup2).
            let _ = fs::close(fd);
            match fs::open(&file, mode) {
                Ok(got) => {
                    if got != fd {
                        eprintln!("sh: redirection of fd {} failed", fd);
                        process::exit(1);
                    }
                }
                Err(_) => {
                    eprintln!("open {} failed", file);
                    process::exit(1);
                }
            }
            if append {
                // No O_APPEND or lseek: read to the end to move the offset.
                let mut buf = [0u8; 512];
                while let Ok(n) = fs::read(fd, &mut buf) {
                    if n == 0 {
                        break;
                    }
                }
            }
            replace(*cmd)
        }
        Cmd::Pipe(l, r) => {
            let [rd, wr] = match fs::pipe() {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("sh: pipe failed");
                    process::exit(1);
                }
            };
            let left = process::spawn(|| {
                let _ = fs::close(1);
                let _ = fs::dup(wr);
                let _ = fs::close(rd);
                let _ = fs::close(wr);
                replace(*l)
            });
            let right = process::spawn(|| {
                let _ = fs::close(0);
                let _ = fs::dup(rd);
                let _ = fs::close(rd);
                let _ = fs::close(wr);
                replace(*r)
            });
            let _ = fs::close(rd);
            let _ = fs::close(wr);
            if let Ok(pid) = left {
                let _ = process::wait_for(pid);
            }
            match right {
                Ok(pid) => process::exit(process::wait_for(pid).unwrap_or(1)),
                Err(_) => {
                    eprintln!("sh: fork failed");
                    process::exit(1);
                }
            }
        }
        Cmd::Back(c) => {
            if process::spawn(|| replace(*c)).is_err() {
                eprintln!("sh: fork failed");
                process::exit(1);
            }
            process::exit(0);
        }
        list @ Cmd::List(..) => process::exit(run(list)),
    }
}

/// Parses and runs one line; returns its status (0 for a blank line).
fn run_line(line: &str) -> i32 {
    match parse(line) {
        Ok(Some(cmd)) => run(cmd),
        Ok(None) => 0,
        Err(why) => {
            eprintln!("sh: syntax error: {}", why);
            2
        }
    }
}

/// Reads and runs lines from `fd` until end of input.
fn run_stream(fd: i32, prompt: bool) -> i32 {
    let mut status = 0;
    let mut line = Vec::new();
    loop {
        if prompt {
            eprint!("$ ");
        }
        if !io::read_line(fd, &mut line) {
            return status;
        }
        match core::str::from_utf8(&line) {
            Ok(s) => status = run_line(s),
            Err(_) => {
                eprintln!("sh: line is not UTF-8");
                status = 2;
            }
        }
    }
}

fn main(args: &[&str]) -> i32 {
    // Make sure fds 0, 1, 2 are open (xv6 does the same).
    while let Ok(fd) = fs::open("console", O_RDWR) {
        if fd >= 3 {
            let _ = fs::close(fd);
            break;
        }
    }
    match args {
        [_] | [] => run_stream(0, true),
        [_, "-c", line] => run_line(line),
        [_, file] => match fs::open(file, O_RDONLY) {
            Ok(fd) => run_stream(fd, false),
            Err(_) => {
                eprintln!("sh: cannot open {}", file);
                1
            }
        },
        _ => {
            eprintln!("usage: sh [FILE | -c LINE]");
            2
        }
    }
}

//! Writes reported e-mails into a Maildir, for the `fir ingest-mail` benchmark.
//!
//! ```text
//! cargo run --release --example mailgen -- MAILDIR N
//! ```
//!
//! MAILDIR gets `new/`, `cur/` and `tmp/`, and N messages in `new/`, always the same for
//! the same N: six in ten are plain-text reports with indicators in the text, two in
//! ten HTML-only, two in ten forwarded phishing (an attached message with a Received
//! chain, a URL and a 16 KiB base64 attachment). One in twenty replies to the first
//! incident (`[FIR-2024-0001]` in the subject), which the benchmark site must hold.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: mailgen MAILDIR N");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let n: usize = n.parse().expect("N is a number");
    for sub in ["new", "cur", "tmp"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    let mut bytes = 0;
    for i in 0..n {
        let message = message(i);
        bytes += message.len();
        fs::write(
            dir.join("new")
                .join(format!("{:010}.M{i}P1.mailgen", 1_716_000_000 + i)),
            message,
        )?;
    }
    eprintln!(
        "wrote {n} messages ({bytes} bytes) into {}",
        dir.join("new").display()
    );
    Ok(())
}

fn message(i: usize) -> String {
    let day = 1 + i % 28;
    let date = format!(
        "{}, {day:02} May 2024 {:02}:{:02}:00 +0200",
        "Mon",
        8 + i % 10,
        i % 60
    );
    let host = format!("bad{}.top", i % 97);
    let ip = format!("185.{}.{}.{}", 100 + i % 50, i % 250, 1 + i % 200);
    let subject = if i % 20 == 19 {
        format!("Re: [FIR-2024-0001] More reports ({i})")
    } else {
        match i % 10 {
            0..=5 => format!("Suspicious activity report {i}"),
            6 | 7 => format!("TR: Strange message {i}"),
            _ => format!("Fwd: Invoice {i} overdue"),
        }
    };
    let mut out = format!(
        "From: Reporter {i} <user{i}@corp.example>\r\nTo: cert@corp.example\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <gen-{i}@corp.example>\r\nMIME-Version: 1.0\r\n"
    );
    match i % 10 {
        6 | 7 => {
            out.push_str("Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{color:red}</style></head><body>");
            for p in 0..20 {
                let _ = write!(
                    out,
                    "<p>Paragraph {p}: the link went to <a href=\"http://{host}/p{p}\">http://{host}/p{p}</a> &amp; asked for a password.</p>\r\n"
                );
            }
            out.push_str("<script>track()</script></body></html>\r\n");
        }
        8 | 9 => {
            out.push_str("Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nPhishing, please check.\r\n\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\n");
            let _ = write!(
                out,
                "Return-Path: <bounce@{host}>\r\nReceived: from mx.corp.example (mx.corp.example [192.0.2.1]) by mail.corp.example; {date}\r\nReceived: from smtp.{host} (unknown [{ip}]) by mx.corp.example; {date}\r\nFrom: Billing <billing@{host}>\r\nReply-To: pay@{host}\r\nSubject: Invoice {i}\r\nDate: {date}\r\nMessage-ID: <inv-{i}@{host}>\r\nContent-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nPay at https://{host}/pay?id={i} today.\r\n\r\n--inner\r\nContent-Type: application/octet-stream; name=\"invoice-{i}.zip\"\r\nContent-Disposition: attachment; filename=\"invoice-{i}.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            );
            // 16 KiB of distinct bytes per message, base64 in 76-column lines.
            let data: Vec<u8> = (0..16 * 1024)
                .map(|k| ((k * 31 + i * 7) % 251) as u8)
                .collect();
            let encoded = base64(&data);
            for line in encoded.as_bytes().chunks(76) {
                out.push_str(std::str::from_utf8(line).unwrap());
                out.push_str("\r\n");
            }
            out.push_str("--inner--\r\n\r\n--outer--\r\n");
        }
        _ => {
            out.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
            for line in 0..30 {
                let _ = write!(
                    out,
                    "Line {line}: connections from {ip} to http://{host}/x{line} seen in the proxy logs.\r\n"
                );
            }
        }
    }
    out
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

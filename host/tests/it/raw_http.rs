//! Plain HTTP/1.1 over a TCP stream, for the stub servers of the JWK Set tests.

use std::io::Read;
use std::net::TcpStream;

/// Reads a request head (at most 16 KiB, byte by byte so nothing of a body is consumed) and
/// returns its path; "/" when there is none.
pub fn read_request_path(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 16 * 1024 {
        if stream.read(&mut byte).unwrap_or(0) == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1).unwrap_or("/").to_string()
}

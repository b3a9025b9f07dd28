//! Shell protocol v2 (`shell,v2,...:`): packets of `u8 id`, `u32 LE length`
//! and data, multiplexing stdin, stdout, stderr, the exit code and control
//! messages over one adb stream. Packets may be split or merged across
//! `WRTE` messages, so [`PacketDecoder`] works on a byte stream.

use bytes::{Buf, Bytes, BytesMut};

/// The packet ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketId {
    Stdin,
    Stdout,
    Stderr,
    Exit,
    CloseStdin,
    WindowSizeChange,
    Invalid,
    /// An id this side does not know.
    Other(u8),
}

impl PacketId {
    /// The id byte.
    pub fn byte(self) -> u8 {
        match self {
            PacketId::Stdin => 0,
            PacketId::Stdout => 1,
            PacketId::Stderr => 2,
            PacketId::Exit => 3,
            PacketId::CloseStdin => 4,
            PacketId::WindowSizeChange => 5,
            PacketId::Invalid => 255,
            PacketId::Other(b) => b,
        }
    }

    fn from_byte(b: u8) -> Self {
        match b {
            0 => PacketId::Stdin,
            1 => PacketId::Stdout,
            2 => PacketId::Stderr,
            3 => PacketId::Exit,
            4 => PacketId::CloseStdin,
            5 => PacketId::WindowSizeChange,
            255 => PacketId::Invalid,
            o => PacketId::Other(o),
        }
    }
}

/// Largest data size this side puts in one packet (adbd's buffer is a bit
/// larger; hosts accept any size up to their own buffer).
pub const MAX_PACKET_DATA: usize = 32 * 1024 - 5;
/// Largest packet this side accepts from the host.
pub const MAX_INCOMING_PACKET: u32 = 1024 * 1024;

/// Appends a packet (split into several if `data` is large) to `out`.
pub fn encode(out: &mut Vec<u8>, id: PacketId, data: &[u8]) {
    if data.is_empty() {
        out.push(id.byte());
        out.extend_from_slice(&0u32.to_le_bytes());
        return;
    }
    for piece in data.chunks(MAX_PACKET_DATA) {
        out.push(id.byte());
        out.extend_from_slice(&(piece.len() as u32).to_le_bytes());
        out.extend_from_slice(piece);
    }
}

/// A decoded packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub id: PacketId,
    pub data: Bytes,
}

/// A host sent a packet larger than this side accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shell packet of {0} bytes is too large")]
pub struct PacketTooLarge(pub u32);

/// Incremental packet decoder.
#[derive(Debug, Default)]
pub struct PacketDecoder {
    buf: BytesMut,
}

impl PacketDecoder {
    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete packet, `Ok(None)` if more bytes are needed.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, PacketTooLarge> {
        if self.buf.len() < 5 {
            return Ok(None);
        }
        let len = u32::from_le_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]);
        if len > MAX_INCOMING_PACKET {
            return Err(PacketTooLarge(len));
        }
        if self.buf.len() < 5 + len as usize {
            return Ok(None);
        }
        let id = PacketId::from_byte(self.buf[0]);
        self.buf.advance(5);
        let data = self.buf.split_to(len as usize).freeze();
        Ok(Some(Packet { id, data }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_the_captured_echo_reply() {
        let mut out = Vec::new();
        encode(&mut out, PacketId::Stdout, b"hi\n");
        encode(&mut out, PacketId::Exit, &[0]);
        assert_eq!(out, b"\x01\x03\x00\x00\x00hi\n\x03\x01\x00\x00\x00\x00");
    }

    #[test]
    fn decodes_close_stdin_split_across_writes() {
        let mut d = PacketDecoder::default();
        d.feed(b"\x00\x02\x00\x00\x00a");
        assert_eq!(d.next_packet(), Ok(None));
        d.feed(b"b\x04\x00\x00");
        assert_eq!(
            d.next_packet(),
            Ok(Some(Packet {
                id: PacketId::Stdin,
                data: Bytes::from_static(b"ab")
            }))
        );
        assert_eq!(d.next_packet(), Ok(None));
        d.feed(b"\x00\x00");
        assert_eq!(d.next_packet().unwrap().unwrap().id, PacketId::CloseStdin);
    }

    proptest! {
        #[test]
        fn decoder_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..10)) {
            let mut d = PacketDecoder::default();
            for c in chunks {
                d.feed(&c);
                while let Ok(Some(_)) = d.next_packet() {}
            }
        }
    }
}

//! The services a host can `OPEN` on the simulated adbd, parsed from the
//! service string, and their implementations (shell, exec, sync, reverse).

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::device::{DeviceState, TransportId};
use super::shell::{LiveOutput, OutStream, Shell, Stdin};
use super::stream::{StreamReader, StreamWriter};
use crate::adb::shell_proto::{self, PacketDecoder, PacketId};

/// A service request, as named in `OPEN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    /// `shell[,args]:[command]`.
    Shell {
        /// Shell protocol v2 (`v2` arg).
        protocol_v2: bool,
        /// Terminal semantics (echo, CR LF): the `pty` arg, or the default
        /// for an interactive shell unless `raw` is given.
        pty: bool,
        /// Empty for an interactive shell.
        command: String,
    },
    /// `exec:<command>`: raw, no shell protocol.
    Exec(String),
    /// `sync:`.
    Sync,
    /// `reverse:<request>`.
    Reverse(String),
    /// `root:` / `unroot:` on a production build.
    Root,
    /// `tcp:<port>`, `localabstract:<name>`...: a connection to a socket
    /// device-side code listens on (what `adb forward` opens).
    Connect(String),
}

impl Service {
    /// Parses a service string; `None` for services this adbd does not
    /// provide (the host gets `CLSE`, as from adbd).
    pub fn parse(name: &str) -> Option<Self> {
        if let Some(rest) = name.strip_prefix("shell") {
            let (args, command) = if let Some(cmd) = rest.strip_prefix(':') {
                ("", cmd)
            } else if let Some(r) = rest.strip_prefix(',') {
                r.split_once(':')?
            } else {
                return None;
            };
            let has = |flag: &str| args.split(',').any(|a| a == flag);
            let pty = has("pty") || (command.is_empty() && !has("raw"));
            return Some(Service::Shell {
                protocol_v2: has("v2"),
                pty,
                command: command.to_string(),
            });
        }
        if let Some(cmd) = name.strip_prefix("exec:") {
            return Some(Service::Exec(cmd.to_string()));
        }
        if name == "sync:" {
            return Some(Service::Sync);
        }
        if let Some(req) = name.strip_prefix("reverse:") {
            return Some(Service::Reverse(req.to_string()));
        }
        if name == "root:" || name == "unroot:" {
            return Some(Service::Root);
        }
        if let Ok(spec) = super::device::SocketSpec::parse(name) {
            return Some(Service::Connect(spec.as_str().to_string()));
        }
        None
    }
}

/// What a service runs with besides its stream.
pub(crate) struct ServiceContext {
    pub device: Arc<DeviceState>,
    pub transport: TransportId,
}

/// Runs a service to completion; dropping the writer closes the stream.
pub(crate) async fn run(
    service: Service,
    ctx: ServiceContext,
    reader: StreamReader,
    writer: StreamWriter,
) {
    match service {
        Service::Shell {
            protocol_v2: true,
            pty,
            command,
        } => shell_v2(ctx.device, command, pty, reader, writer).await,
        Service::Shell {
            protocol_v2: false,
            pty,
            command,
        } if command.is_empty() => {
            let (stdin_tx, stdin_rx) = mpsc::unbounded_channel::<Bytes>();
            tokio::spawn(async move {
                let mut reader = reader;
                while let Some(chunk) = reader.read().await {
                    let _ = stdin_tx.send(chunk);
                }
            });
            let framing = Framing::Raw;
            interactive(
                ctx.device,
                Stdin::from_channel(stdin_rx),
                pty,
                framing,
                writer,
            )
            .await
        }
        Service::Shell {
            protocol_v2: false,
            command,
            ..
        }
        | Service::Exec(command) => raw(ctx.device, command, reader, writer).await,
        Service::Sync => super::sync::serve(ctx.device, reader, writer).await,
        Service::Reverse(req) => {
            let reply = ctx.device.handle_reverse(ctx.transport, &req);
            let _ = writer.write(reply).await;
        }
        // Connections are bridged by the transport, which must know the
        // listener exists before it answers OPEN.
        Service::Connect(_) => {}
        Service::Root => {
            let _ = writer
                .write(Bytes::from_static(
                    b"adbd cannot run as root in production builds\n",
                ))
                .await;
        }
    }
}

/// The prompt of an interactive shell.
fn prompt(device: &DeviceState) -> String {
    format!("{}:/ $ ", device.profile().device)
}

/// Shell protocol v2: decode stdin packets in the background, run the
/// command (or a line-by-line session), send stdout/stderr/exit packets.
async fn shell_v2(
    device: Arc<DeviceState>,
    command: String,
    pty: bool,
    mut reader: StreamReader,
    writer: StreamWriter,
) {
    let (stdin_tx, stdin_rx) = mpsc::unbounded_channel::<Bytes>();
    let (live, mut live_rx, closed) = LiveOutput::channel();
    tokio::spawn(async move {
        // Whatever ends this task (end of stream, bad packet) means the
        // host is gone for streaming commands.
        let _closed_on_exit = CloseOnDrop(closed);
        let mut dec = PacketDecoder::default();
        let mut stdin_tx = Some(stdin_tx);
        while let Some(chunk) = reader.read().await {
            dec.feed(&chunk);
            loop {
                match dec.next_packet() {
                    Ok(Some(p)) => match p.id {
                        PacketId::Stdin => {
                            if let Some(tx) = &stdin_tx {
                                let _ = tx.send(p.data);
                            }
                        }
                        PacketId::CloseStdin => stdin_tx = None,
                        _ => {}
                    },
                    Ok(None) => break,
                    Err(_) => return,
                }
            }
        }
    });
    let stdin = Stdin::from_channel(stdin_rx);
    if !command.is_empty() {
        let forward_writer = writer.clone();
        let forwarder = tokio::spawn(async move {
            while let Some((s, data)) = live_rx.recv().await {
                let mut buf = Vec::new();
                shell_proto::encode(&mut buf, packet_id(s), &data);
                if forward_writer.write(buf).await.is_err() {
                    break;
                }
            }
        });
        let out = Shell::with_live(device, live).run(&command, stdin).await;
        // The shell (and its live sender) is gone: the forwarder drains
        // and ends, so the exit packet comes after all output.
        let _ = forwarder.await;
        let mut buf = Vec::new();
        for (s, data) in &out.chunks {
            shell_proto::encode(&mut buf, packet_id(*s), data);
        }
        shell_proto::encode(&mut buf, PacketId::Exit, &[out.exit]);
        let _ = writer.write(buf).await;
        return;
    }
    drop(live);
    interactive(device, stdin, pty, Framing::ShellV2, writer).await;
}

/// How an interactive session's output is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Shell protocol v2 packets, ending with an exit packet.
    ShellV2,
    /// Plain bytes, streams merged.
    Raw,
}

impl Framing {
    fn encode(self, buf: &mut Vec<u8>, s: OutStream, data: &[u8]) {
        match self {
            Framing::ShellV2 => shell_proto::encode(buf, packet_id(s), data),
            Framing::Raw => buf.extend_from_slice(data),
        }
    }
}

/// What a terminal's line discipline makes of input bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LineEvent {
    Line(String),
    /// Ctrl-C: the line is dropped.
    Interrupt,
    /// Ctrl-D on an empty line.
    Eof,
}

/// A minimal cooked-mode terminal: echo, backspace, Ctrl-C, Ctrl-D, CR or
/// LF ends a line. Without a PTY only LF ends a line and nothing is echoed.
#[derive(Debug, Default)]
struct LineDiscipline {
    pty: bool,
    line: Vec<u8>,
}

impl LineDiscipline {
    /// Feeds input; returns the echo and the completed events.
    fn feed(&mut self, data: &[u8]) -> (Vec<u8>, Vec<LineEvent>) {
        let mut echo = Vec::new();
        let mut events = Vec::new();
        for &b in data {
            match b {
                b'\n' => {
                    if self.pty {
                        echo.extend_from_slice(b"\r\n");
                    }
                    events.push(self.take());
                }
                b'\r' if self.pty => {
                    echo.extend_from_slice(b"\r\n");
                    events.push(self.take());
                }
                0x7f | 0x08 if self.pty => {
                    if self.line.pop().is_some() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x03 if self.pty => {
                    echo.extend_from_slice(b"^C\r\n");
                    self.line.clear();
                    events.push(LineEvent::Interrupt);
                }
                0x04 if self.pty && self.line.is_empty() => events.push(LineEvent::Eof),
                _ => {
                    if self.pty {
                        echo.push(b);
                    }
                    self.line.push(b);
                }
            }
        }
        (echo, events)
    }

    fn take(&mut self) -> LineEvent {
        let line = String::from_utf8_lossy(&self.line)
            .trim_end_matches('\r')
            .to_string();
        self.line.clear();
        LineEvent::Line(line)
    }
}

/// `\n` to `\r\n`, as a PTY's output processing does.
fn onlcr(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for &b in data {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// An interactive session: a prompt, then one command line per input line
/// until `exit`, Ctrl-D or the end of input.
async fn interactive(
    device: Arc<DeviceState>,
    mut input: Stdin,
    pty: bool,
    framing: Framing,
    writer: StreamWriter,
) {
    let mut shell = Shell::new(device.clone());
    let mut disc = LineDiscipline {
        pty,
        ..Default::default()
    };
    let fix = |d: &[u8]| if pty { onlcr(d) } else { d.to_vec() };
    let mut buf = Vec::new();
    framing.encode(&mut buf, OutStream::Stdout, prompt(&device).as_bytes());
    if writer.write(buf).await.is_err() {
        return;
    }
    let mut status = 0;
    'session: while let Some(chunk) = input.read_chunk().await {
        let (echo, events) = disc.feed(&chunk);
        let mut buf = Vec::new();
        if !echo.is_empty() {
            framing.encode(&mut buf, OutStream::Stdout, &echo);
        }
        for ev in events {
            match ev {
                LineEvent::Eof => break 'session,
                LineEvent::Interrupt => {}
                LineEvent::Line(line) => {
                    let out = shell.run(&line, Stdin::empty()).await;
                    status = out.exit;
                    for (s, data) in &out.chunks {
                        framing.encode(&mut buf, *s, &fix(data));
                    }
                    if out.exited {
                        if framing == Framing::ShellV2 {
                            shell_proto::encode(&mut buf, PacketId::Exit, &[status]);
                        }
                        let _ = writer.write(buf).await;
                        return;
                    }
                }
            }
            framing.encode(&mut buf, OutStream::Stdout, prompt(&device).as_bytes());
        }
        if writer.write(buf).await.is_err() {
            return;
        }
    }
    if framing == Framing::ShellV2 {
        let mut buf = Vec::new();
        shell_proto::encode(&mut buf, PacketId::Exit, &[status]);
        let _ = writer.write(buf).await;
    }
}

fn packet_id(s: OutStream) -> PacketId {
    match s {
        OutStream::Stdout => PacketId::Stdout,
        OutStream::Stderr => PacketId::Stderr,
    }
}

/// Sets the "host closed" switch when dropped.
struct CloseOnDrop(tokio::sync::watch::Sender<bool>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

/// `shell:<command>` and `exec:<command>`: no protocol, stdout and stderr
/// merged, output streamed as it comes, input is the raw stream.
async fn raw(
    device: Arc<DeviceState>,
    command: String,
    mut reader: StreamReader,
    writer: StreamWriter,
) {
    let (stdin_tx, stdin_rx) = mpsc::unbounded_channel::<Bytes>();
    let (live, mut live_rx, closed) = LiveOutput::channel();
    tokio::spawn(async move {
        let _closed_on_exit = CloseOnDrop(closed);
        while let Some(chunk) = reader.read().await {
            let _ = stdin_tx.send(chunk);
        }
    });
    let forward_writer = writer.clone();
    let forwarder = tokio::spawn(async move {
        while let Some((_, data)) = live_rx.recv().await {
            if forward_writer.write(data).await.is_err() {
                break;
            }
        }
    });
    let out = Shell::with_live(device, live)
        .run(&command, Stdin::from_channel(stdin_rx))
        .await;
    let _ = forwarder.await;
    let _ = writer.write(out.merged()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(v2: bool, pty: bool, command: &str) -> Option<Service> {
        Some(Service::Shell {
            protocol_v2: v2,
            pty,
            command: command.into(),
        })
    }

    #[test]
    fn parses_service_strings_seen_from_real_clients() {
        assert_eq!(
            Service::parse("shell,v2,TERM=xterm,raw:echo hi"),
            shell(true, false, "echo hi")
        );
        assert_eq!(
            Service::parse("shell:echo hi"),
            shell(false, false, "echo hi")
        );
        assert_eq!(Service::parse("shell:"), shell(false, true, ""));
        assert_eq!(Service::parse("shell,v2,pty:"), shell(true, true, ""));
        assert_eq!(Service::parse("shell,v2,raw:"), shell(true, false, ""));
        assert_eq!(
            Service::parse("exec:getprop 'ro.build.version.sdk'"),
            Some(Service::Exec("getprop 'ro.build.version.sdk'".into()))
        );
        assert_eq!(Service::parse("sync:"), Some(Service::Sync));
        assert_eq!(
            Service::parse("reverse:forward:tcp:8081;tcp:8081"),
            Some(Service::Reverse("forward:tcp:8081;tcp:8081".into()))
        );
        assert_eq!(Service::parse("framebuffer:"), None);
        assert_eq!(Service::parse("shellfish:"), None);
    }

    #[test]
    fn a_pty_echoes_edits_and_ends_lines_on_cr() {
        let mut d = LineDiscipline {
            pty: true,
            ..Default::default()
        };
        let (echo, events) = d.feed(b"ecx\x7fho hi\r");
        assert_eq!(echo, b"ecx\x08 \x08ho hi\r\n");
        assert_eq!(events, [LineEvent::Line("echo hi".into())]);
        let (echo, events) = d.feed(b"abc\x03\x04");
        assert_eq!(echo, b"abc^C\r\n");
        assert_eq!(events, [LineEvent::Interrupt, LineEvent::Eof]);
        assert_eq!(onlcr(b"a\nb"), b"a\r\nb");
    }

    #[test]
    fn without_a_pty_only_newline_ends_a_line_and_nothing_echoes() {
        let mut d = LineDiscipline::default();
        let (echo, events) = d.feed(b"echo a\r\nexit\n");
        assert!(echo.is_empty());
        assert_eq!(
            events,
            [
                LineEvent::Line("echo a".into()),
                LineEvent::Line("exit".into())
            ]
        );
    }
}

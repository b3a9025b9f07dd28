//! The services a host can `OPEN` on the simulated adbd, parsed from the
//! service string, and their implementations (shell, exec, sync, reverse).

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::conn::{StreamReader, StreamWriter};
use super::device::{DeviceState, TransportId};
use super::shell::{LiveOutput, OutStream, Shell, Stdin};
use super::shell_proto::{self, PacketDecoder, PacketId};

/// A service request, as named in `OPEN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    /// `shell[,args]:[command]`.
    Shell {
        /// Shell protocol v2 (`v2` arg).
        protocol_v2: bool,
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
            let protocol_v2 = args.split(',').any(|a| a == "v2");
            return Some(Service::Shell {
                protocol_v2,
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
            command,
        } => shell_v2(ctx.device, command, reader, writer).await,
        Service::Shell {
            protocol_v2: false,
            command,
        } if command.is_empty() => interactive_raw(ctx.device, reader, writer).await,
        Service::Shell {
            protocol_v2: false,
            command,
        }
        | Service::Exec(command) => raw(ctx.device, command, reader, writer).await,
        Service::Sync => super::sync::serve(ctx.device, reader, writer).await,
        Service::Reverse(req) => {
            let reply = ctx.device.handle_reverse(ctx.transport, &req);
            let _ = writer.write(reply).await;
        }
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
    let mut stdin = Stdin::from_channel(stdin_rx);
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
    let mut shell = Shell::new(device.clone());
    // Interactive: one command per input line.
    let mut pending = Vec::new();
    let mut first = Vec::new();
    shell_proto::encode(&mut first, PacketId::Stdout, prompt(&device).as_bytes());
    if writer.write(first).await.is_err() {
        return;
    }
    let mut status = 0;
    'session: while let Some(chunk) = stdin.read_chunk().await {
        pending.extend_from_slice(&chunk);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line).into_owned();
            let out = shell.run(line.trim_end(), Stdin::empty()).await;
            status = out.exit;
            let mut buf = Vec::new();
            for (s, data) in &out.chunks {
                shell_proto::encode(&mut buf, packet_id(*s), data);
            }
            if out.exited {
                shell_proto::encode(&mut buf, PacketId::Exit, &[status]);
                let _ = writer.write(buf).await;
                return;
            }
            shell_proto::encode(&mut buf, PacketId::Stdout, prompt(&device).as_bytes());
            if writer.write(buf).await.is_err() {
                break 'session;
            }
        }
    }
    let mut buf = Vec::new();
    shell_proto::encode(&mut buf, PacketId::Exit, &[status]);
    let _ = writer.write(buf).await;
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

/// `shell:` with no command and no protocol: a line-by-line session whose
/// output is the merged streams.
async fn interactive_raw(device: Arc<DeviceState>, mut reader: StreamReader, writer: StreamWriter) {
    let mut shell = Shell::new(device.clone());
    if writer.write(prompt(&device)).await.is_err() {
        return;
    }
    let mut pending = Vec::new();
    while let Some(chunk) = reader.read().await {
        pending.extend_from_slice(&chunk);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line).into_owned();
            let out = shell.run(line.trim_end(), Stdin::empty()).await;
            let mut buf = out.merged();
            if out.exited {
                let _ = writer.write(buf).await;
                return;
            }
            buf.extend_from_slice(prompt(&device).as_bytes());
            if writer.write(buf).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_service_strings_seen_from_real_clients() {
        assert_eq!(
            Service::parse("shell,v2,TERM=xterm,raw:echo hi"),
            Some(Service::Shell {
                protocol_v2: true,
                command: "echo hi".into()
            })
        );
        assert_eq!(
            Service::parse("shell:echo hi"),
            Some(Service::Shell {
                protocol_v2: false,
                command: "echo hi".into()
            })
        );
        assert_eq!(
            Service::parse("shell,v2,pty:"),
            Some(Service::Shell {
                protocol_v2: true,
                command: String::new()
            })
        );
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
}

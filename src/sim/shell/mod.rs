//! The simulated device's `/system/bin/sh`: a parser for the `sh` subset
//! adb users type ([`parse`]), an interpreter that runs it against the
//! device state, and a [`CommandRegistry`] of commands.
//!
//! Commands are plug-ins: the basic builtins live in [`builtins`]; the
//! Android model registers `pm`, `am`, `dumpsys`, `cmd`, `logcat`... the same
//! way, with [`CommandRegistry::register`] on [`DeviceState::commands`].
//! A command gets its argv, its stdin and the device state, and returns its
//! stdout and stderr bytes and exit code; the interpreter applies
//! redirections and pipes around it.

pub mod builtins;
pub mod parse;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::future::BoxFuture;
use parking_lot::RwLock;
use tokio::sync::{mpsc, watch, Mutex as AsyncMutex};

use super::device::DeviceState;
use super::fs::normalize;
use parse::{RedirectTarget, Script, SimpleCommand};

/// The shell's name as it prefixes its own error messages.
pub const SH: &str = "/system/bin/sh";

/// What one command produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: u8,
}

impl CommandOutput {
    /// Exit 0 with this stdout.
    pub fn ok(stdout: impl Into<Vec<u8>>) -> Self {
        CommandOutput {
            stdout: stdout.into(),
            ..Default::default()
        }
    }

    /// This exit code with this stderr.
    pub fn fail(exit: u8, stderr: impl Into<Vec<u8>>) -> Self {
        CommandOutput {
            stderr: stderr.into(),
            exit,
            ..Default::default()
        }
    }

    /// Just an exit code.
    pub fn code(exit: u8) -> Self {
        CommandOutput {
            exit,
            ..Default::default()
        }
    }
}

/// A command's standard input: the session's input stream, bytes from a
/// pipe or `<` redirection, or nothing.
#[derive(Debug, Clone)]
pub struct Stdin(StdinSource);

#[derive(Debug, Clone)]
enum StdinSource {
    Empty,
    /// Bytes read ahead, then the rest.
    Prefixed(Bytes, Box<Stdin>),
    Bytes(Arc<std::sync::Mutex<Option<Vec<u8>>>>),
    Stream(Arc<AsyncMutex<mpsc::UnboundedReceiver<Bytes>>>),
}

impl Stdin {
    /// No input (reads see end of file at once).
    pub fn empty() -> Self {
        Stdin(StdinSource::Empty)
    }

    /// Input with fixed content.
    pub fn from_bytes(data: impl Into<Vec<u8>>) -> Self {
        Stdin(StdinSource::Bytes(Arc::new(std::sync::Mutex::new(Some(
            data.into(),
        )))))
    }

    /// Input streamed from a channel; the sender's drop is end of file.
    pub fn from_channel(rx: mpsc::UnboundedReceiver<Bytes>) -> Self {
        Stdin(StdinSource::Stream(Arc::new(AsyncMutex::new(rx))))
    }

    /// The next chunk of input, `None` at end of file.
    pub async fn read_chunk(&mut self) -> Option<Bytes> {
        if let StdinSource::Prefixed(..) = &self.0 {
            let StdinSource::Prefixed(first, rest) =
                std::mem::replace(&mut self.0, StdinSource::Empty)
            else {
                return None;
            };
            *self = *rest;
            return Some(first);
        }
        match &self.0 {
            StdinSource::Empty | StdinSource::Prefixed(..) => None,
            StdinSource::Bytes(b) => {
                let taken = b.lock().ok().and_then(|mut g| g.take());
                taken.filter(|d| !d.is_empty()).map(Bytes::from)
            }
            StdinSource::Stream(rx) => rx.lock().await.recv().await,
        }
    }

    /// Up to `n` bytes: fewer only at end of file. Input past `n` that
    /// arrived in the same chunk is kept for the next read.
    pub async fn read_up_to(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < n {
            let Some(chunk) = self.read_chunk().await else {
                break;
            };
            let want = n - out.len();
            if chunk.len() > want {
                out.extend_from_slice(&chunk[..want]);
                self.unread(chunk.slice(want..));
            } else {
                out.extend_from_slice(&chunk);
            }
        }
        out
    }

    /// Puts bytes back in front of the remaining input.
    fn unread(&mut self, rest: Bytes) {
        let pending = std::mem::replace(self, Stdin::empty());
        *self = Stdin(StdinSource::Prefixed(rest, Box::new(pending)));
    }

    /// All remaining input, waiting for end of file.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = self.read_chunk().await {
            out.extend_from_slice(&c);
        }
        out
    }
}

/// Everything a command is run with.
pub struct CommandContext {
    /// `argv[0]` is the name it was invoked by.
    pub argv: Vec<String>,
    pub stdin: Stdin,
    pub device: Arc<DeviceState>,
    /// The shell's working directory.
    pub cwd: String,
    /// Set when the command's stdout goes straight to the host: a
    /// streaming command (`logcat`) writes here as it goes and stops when
    /// [`LiveOutput::closed`] fires. `None` when stdout is redirected or
    /// piped; then only the returned output counts.
    pub live: Option<LiveOutput>,
}

impl CommandContext {
    /// A path argument resolved against the working directory.
    pub fn path(&self, arg: &str) -> Option<String> {
        normalize(arg, &self.cwd)
    }
}

/// What a [`LiveOutput`] delivers: output chunks in order.
pub type LiveReceiver = mpsc::UnboundedReceiver<(OutStream, Vec<u8>)>;

/// The host's side of a running session, for output that cannot wait for
/// the command to finish.
#[derive(Debug, Clone)]
pub struct LiveOutput {
    tx: mpsc::UnboundedSender<(OutStream, Vec<u8>)>,
    closed: watch::Receiver<bool>,
}

impl LiveOutput {
    /// A live output, the receiver of what is written to it, and the switch
    /// that tells writers the host went away.
    pub fn channel() -> (Self, LiveReceiver, watch::Sender<bool>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (closed_tx, closed) = watch::channel(false);
        (LiveOutput { tx, closed }, rx, closed_tx)
    }

    /// Sends stdout bytes to the host now. `false` once nobody listens.
    pub fn stdout(&self, data: impl Into<Vec<u8>>) -> bool {
        self.send(OutStream::Stdout, data.into())
    }

    fn send(&self, s: OutStream, data: Vec<u8>) -> bool {
        !*self.closed.borrow() && self.tx.send((s, data)).is_ok()
    }

    /// Whether the host has closed the session.
    pub fn is_closed(&self) -> bool {
        *self.closed.borrow() || self.tx.is_closed()
    }

    /// Resolves when the host closes the session (e.g. Ctrl-C on
    /// `adb logcat`).
    pub async fn closed(&self) {
        let mut rx = self.closed.clone();
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// A command the device's shell can run.
#[async_trait]
pub trait ShellCommand: Send + Sync {
    async fn run(&self, ctx: CommandContext) -> CommandOutput;
}

/// A [`ShellCommand`] made from an async closure.
pub struct FnCommand<F>(pub F);

#[async_trait]
impl<F> ShellCommand for FnCommand<F>
where
    F: Fn(CommandContext) -> BoxFuture<'static, CommandOutput> + Send + Sync,
{
    async fn run(&self, ctx: CommandContext) -> CommandOutput {
        (self.0)(ctx).await
    }
}

/// The commands a device's shell knows, by name. Shared and mutable so that
/// models can add commands after the device is up.
#[derive(Default)]
pub struct CommandRegistry {
    commands: RwLock<BTreeMap<String, Arc<dyn ShellCommand>>>,
}

impl std::fmt::Debug for CommandRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.commands.read().keys()).finish()
    }
}

impl CommandRegistry {
    /// A registry holding the builtins (`echo`, `getprop`, `cat`, ...).
    pub fn with_builtins() -> Self {
        let r = CommandRegistry::default();
        builtins::register_all(&r);
        r
    }

    /// Adds or replaces a command.
    pub fn register(&self, name: impl Into<String>, cmd: Arc<dyn ShellCommand>) {
        self.commands.write().insert(name.into(), cmd);
    }

    /// Adds or replaces a command given as an async closure.
    pub fn register_fn<F>(&self, name: impl Into<String>, f: F)
    where
        F: Fn(CommandContext) -> BoxFuture<'static, CommandOutput> + Send + Sync + 'static,
    {
        self.register(name, Arc::new(FnCommand(f)));
    }

    /// The command for a name; paths in the system bin directories resolve
    /// to their basename (`/system/bin/getprop` is `getprop`).
    pub fn get(&self, name: &str) -> Option<Arc<dyn ShellCommand>> {
        let map = self.commands.read();
        if let Some(c) = map.get(name) {
            return Some(c.clone());
        }
        ["/system/bin/", "/system/xbin/", "/vendor/bin/", "/bin/"]
            .iter()
            .find_map(|dir| name.strip_prefix(dir))
            .filter(|base| !base.contains('/'))
            .and_then(|base| map.get(base).cloned())
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.commands.read().keys().cloned().collect()
    }
}

impl DeviceState {
    /// The shell's commands; register Android commands here. The registry
    /// is one of the device's extensions, holding the builtins from the
    /// first use on.
    pub fn commands(&self) -> Arc<CommandRegistry> {
        self.extension_or_insert_with(CommandRegistry::with_builtins)
    }
}

/// Which output stream a chunk belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutStream {
    Stdout,
    Stderr,
}

/// The result of running a command line: output in the order produced, and
/// the exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptOutput {
    pub chunks: Vec<(OutStream, Vec<u8>)>,
    pub exit: u8,
    /// Whether the line ran the `exit` builtin (ends an interactive shell).
    pub exited: bool,
}

impl ScriptOutput {
    /// All stdout bytes.
    pub fn stdout(&self) -> Vec<u8> {
        self.collect(Some(OutStream::Stdout))
    }

    /// All stderr bytes.
    pub fn stderr(&self) -> Vec<u8> {
        self.collect(Some(OutStream::Stderr))
    }

    /// Both streams merged in order, as a PTY-less raw shell delivers them.
    pub fn merged(&self) -> Vec<u8> {
        self.collect(None)
    }

    fn collect(&self, which: Option<OutStream>) -> Vec<u8> {
        self.chunks
            .iter()
            .filter(|(s, _)| which.is_none_or(|w| w == *s))
            .flat_map(|(_, d)| d.iter().copied())
            .collect()
    }

    fn push(&mut self, s: OutStream, data: Vec<u8>) {
        if data.is_empty() {
            return;
        }
        match self.chunks.last_mut() {
            Some((last, buf)) if *last == s => buf.extend_from_slice(&data),
            _ => self.chunks.push((s, data)),
        }
    }
}

/// Where an output descriptor goes while a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sink {
    Stream(OutStream),
    Pipe,
    File(String),
    Null,
}

/// A shell session on a device: working directory and last exit status.
pub struct Shell {
    device: Arc<DeviceState>,
    cwd: String,
    status: u8,
    live: Option<LiveOutput>,
}

enum Flow {
    Continue,
    Exit(u8),
}

impl Shell {
    /// A session in `/` (where `adb shell` starts).
    pub fn new(device: Arc<DeviceState>) -> Self {
        Shell {
            device,
            cwd: "/".into(),
            status: 0,
            live: None,
        }
    }

    /// A session whose output goes to `live` as each command finishes (and
    /// while streaming commands run) instead of into the returned
    /// [`ScriptOutput`], which then only carries the exit status.
    pub fn with_live(device: Arc<DeviceState>, live: LiveOutput) -> Self {
        Shell {
            live: Some(live),
            ..Shell::new(device)
        }
    }

    /// Hands collected output to the live sink, if there is one.
    fn flush_live(&self, out: &mut ScriptOutput) {
        if let Some(live) = &self.live {
            for (s, data) in out.chunks.drain(..) {
                live.send(s, data);
            }
        }
    }

    /// Runs one command line to completion.
    pub async fn run(&mut self, line: &str, stdin: Stdin) -> ScriptOutput {
        let mut out = ScriptOutput::default();
        match parse::parse(line) {
            Ok(script) => {
                let (code, exited) = self.run_script(&script, &stdin, &mut out).await;
                out.exit = code;
                out.exited = exited;
            }
            Err(e) => {
                out.push(OutStream::Stderr, format!("{SH}: {e}\n").into_bytes());
                out.exit = 1;
            }
        }
        self.flush_live(&mut out);
        self.status = out.exit;
        out
    }

    async fn run_script(
        &mut self,
        script: &Script,
        stdin: &Stdin,
        out: &mut ScriptOutput,
    ) -> (u8, bool) {
        for item in &script.items {
            let mut code = match self.run_pipeline(&item.first, stdin, out).await {
                Flow::Exit(c) => return (c, true),
                Flow::Continue => self.status,
            };
            for (conn, pipeline) in &item.rest {
                let run = match conn {
                    parse::Connector::And => code == 0,
                    parse::Connector::Or => code != 0,
                };
                if run {
                    code = match self.run_pipeline(pipeline, stdin, out).await {
                        Flow::Exit(c) => return (c, true),
                        Flow::Continue => self.status,
                    };
                }
            }
        }
        (self.status, false)
    }

    async fn run_pipeline(
        &mut self,
        pipeline: &parse::Pipeline,
        stdin: &Stdin,
        out: &mut ScriptOutput,
    ) -> Flow {
        let last = pipeline.commands.len().saturating_sub(1);
        let mut piped: Option<Vec<u8>> = None;
        for (i, cmd) in pipeline.commands.iter().enumerate() {
            let input = match piped.take() {
                Some(data) => Stdin::from_bytes(data),
                None if i == 0 => stdin.clone(),
                None => Stdin::empty(),
            };
            let stdout_sink = if i < last {
                Sink::Pipe
            } else {
                Sink::Stream(OutStream::Stdout)
            };
            let (flow, pipe_data) = self.run_simple(cmd, input, stdout_sink, out).await;
            if let Flow::Exit(c) = flow {
                if last == 0 {
                    return Flow::Exit(c);
                }
                // `exit` inside a pipeline only ends that pipeline stage.
                self.status = c;
            }
            piped = Some(pipe_data);
        }
        Flow::Continue
    }

    /// Runs one simple command; returns the flow and what it wrote to a pipe.
    async fn run_simple(
        &mut self,
        cmd: &SimpleCommand,
        stdin: Stdin,
        stdout_sink: Sink,
        out: &mut ScriptOutput,
    ) -> (Flow, Vec<u8>) {
        let status = self.status;
        let argv: Vec<String> = cmd.words.iter().map(|w| w.expand(status)).collect();
        let Some((fd1, fd2, input)) = self.redirect(cmd, stdin, stdout_sink, out) else {
            self.status = 1;
            return (Flow::Continue, Vec::new());
        };
        let result = match argv.first().map(String::as_str) {
            None => CommandOutput::code(0),
            Some("exit") => {
                let code = match argv.get(1) {
                    None => self.status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => n.rem_euclid(256) as u8,
                        Err(_) => {
                            out.push(
                                OutStream::Stderr,
                                format!("{SH}: exit: {a}: bad number\n").into_bytes(),
                            );
                            2
                        }
                    },
                };
                return (Flow::Exit(code), Vec::new());
            }
            Some("cd") => self.cd(argv.get(1).map(String::as_str)),
            Some("pwd") => CommandOutput::ok(format!("{}\n", self.cwd)),
            Some(name) => match self.device.commands().get(name) {
                Some(c) => {
                    self.flush_live(out);
                    let live = match fd1 {
                        Sink::Stream(OutStream::Stdout) => self.live.clone(),
                        _ => None,
                    };
                    let ctx = CommandContext {
                        argv: argv.clone(),
                        stdin: input,
                        device: self.device.clone(),
                        cwd: self.cwd.clone(),
                        live,
                    };
                    c.run(ctx).await
                }
                None => CommandOutput::fail(127, format!("{SH}: {name}: not found\n")),
            },
        };
        self.status = result.exit;
        let mut pipe = Vec::new();
        self.route(&fd1, result.stdout, out, &mut pipe);
        self.route(&fd2, result.stderr, out, &mut pipe);
        self.flush_live(out);
        (Flow::Continue, pipe)
    }

    /// Applies a command's redirections to its stdin, stdout and stderr;
    /// `None` (the message written) when one cannot be opened.
    fn redirect(
        &self,
        cmd: &SimpleCommand,
        stdin: Stdin,
        stdout_sink: Sink,
        out: &mut ScriptOutput,
    ) -> Option<(Sink, Sink, Stdin)> {
        let status = self.status;
        let mut fd1 = stdout_sink;
        let mut fd2 = Sink::Stream(OutStream::Stderr);
        let mut input = stdin;
        for r in &cmd.redirects {
            let sink = match &r.target {
                RedirectTarget::Dup(n) => match n {
                    1 => fd1.clone(),
                    2 => fd2.clone(),
                    _ => {
                        out.push(
                            OutStream::Stderr,
                            format!("{SH}: {n}: bad file descriptor\n").into_bytes(),
                        );
                        return None;
                    }
                },
                RedirectTarget::FileOut { path, append } => {
                    let p = path.expand(status);
                    if p == "/dev/null" {
                        Sink::Null
                    } else {
                        match self.open_for_write(&p, *append) {
                            Ok(abs) => Sink::File(abs),
                            Err(msg) => {
                                out.push(OutStream::Stderr, msg.into_bytes());
                                return None;
                            }
                        }
                    }
                }
                RedirectTarget::FileIn { path } => {
                    let p = path.expand(status);
                    let data = if p == "/dev/null" {
                        Ok(Vec::new())
                    } else {
                        normalize(&p, &self.cwd)
                            .ok_or(super::fs::FsError::InvalidPath)
                            .and_then(|abs| self.device.fs().read(&abs))
                    };
                    match data {
                        Ok(d) if r.fd == 0 => input = Stdin::from_bytes(d),
                        Ok(_) => {}
                        Err(e) => {
                            out.push(
                                OutStream::Stderr,
                                format!("{SH}: can't open {p}: {e}\n").into_bytes(),
                            );
                            return None;
                        }
                    }
                    continue;
                }
            };
            match r.fd {
                1 => fd1 = sink,
                2 => fd2 = sink,
                _ => {}
            }
        }
        Some((fd1, fd2, input))
    }

    fn route(&self, sink: &Sink, data: Vec<u8>, out: &mut ScriptOutput, pipe: &mut Vec<u8>) {
        match sink {
            Sink::Stream(s) => out.push(*s, data),
            Sink::Pipe => pipe.extend_from_slice(&data),
            Sink::Null => {}
            Sink::File(path) => {
                if let Err(e) = self.device.fs().append(path, &data) {
                    out.push(
                        OutStream::Stderr,
                        format!("{SH}: can't create {path}: {e}\n").into_bytes(),
                    );
                }
            }
        }
    }

    /// Opens (creates or truncates) a redirection target; returns its
    /// absolute path or the shell's error message.
    fn open_for_write(&self, path: &str, append: bool) -> Result<String, String> {
        let err = |e: super::fs::FsError| format!("{SH}: can't create {path}: {e}\n");
        let abs = normalize(path, &self.cwd).ok_or_else(|| err(super::fs::FsError::NotFound))?;
        let mut fs = self.device.fs();
        match fs.stat(&abs) {
            Ok(st) if st.is_dir() => return Err(err(super::fs::FsError::IsADirectory)),
            Ok(_) if append => return Ok(abs),
            _ => {}
        }
        fs.write(&abs, Vec::new(), 0o644, super::fs::now_secs(), false)
            .map_err(err)?;
        Ok(abs)
    }

    fn cd(&mut self, arg: Option<&str>) -> CommandOutput {
        let target = arg.unwrap_or("/");
        let Some(abs) = normalize(target, &self.cwd) else {
            return CommandOutput::fail(
                2,
                format!("{SH}: cd: {target}: No such file or directory\n"),
            );
        };
        match self.device.fs().stat(&abs) {
            Ok(st) if st.is_dir() => {
                self.cwd = abs;
                CommandOutput::code(0)
            }
            Ok(_) => CommandOutput::fail(2, format!("{SH}: cd: {target}: Not a directory\n")),
            Err(e) => CommandOutput::fail(2, format!("{SH}: cd: {target}: {e}\n")),
        }
    }
}

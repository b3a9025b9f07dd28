//! The `sh` subset the simulated device understands: words with single,
//! double and backslash quoting, `;` `&&` `||` `|` `&` and newlines,
//! redirections `<`, `>`, `>>`, `N>`, `N>&M`, and `$?`.
//!
//! Everything else (subshells, `$VAR`, globbing, here-documents) is kept
//! literal or refused with a syntax error, never a panic.

/// One piece of a word: literal text or an expansion done at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordPart {
    Literal(String),
    /// `$?`: the previous command's exit status.
    LastStatus,
}

/// A shell word after quote removal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word(pub Vec<WordPart>);

impl Word {
    /// The word with `$?` replaced by `status`.
    pub fn expand(&self, status: u8) -> String {
        let mut s = String::new();
        for p in &self.0 {
            match p {
                WordPart::Literal(l) => s.push_str(l),
                WordPart::LastStatus => s.push_str(&status.to_string()),
            }
        }
        s
    }

    fn push_char(&mut self, c: char) {
        if let Some(WordPart::Literal(l)) = self.0.last_mut() {
            l.push(c);
        } else {
            self.0.push(WordPart::Literal(c.to_string()));
        }
    }
}

/// Where a redirection points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectTarget {
    /// `> file` (truncate) or `>> file` (append).
    FileOut { path: Word, append: bool },
    /// `< file`.
    FileIn { path: Word },
    /// `N>&M`: duplicate descriptor M.
    Dup(u32),
}

/// One redirection of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub fd: u32,
    pub target: RedirectTarget,
}

/// A command name, its arguments and redirections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

/// Commands joined by `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub commands: Vec<SimpleCommand>,
}

/// How a pipeline is joined to the previous one in an and-or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

/// `p1 && p2 || p3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

/// A whole command line: and-or lists separated by `;`, `&` or newlines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub items: Vec<AndOr>,
}

/// Why a command line does not parse; `Display` follows mksh's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("no closing quote")]
    UnterminatedQuote,
    #[error("syntax error: '{0}' unexpected")]
    Unexpected(String),
    #[error("syntax error: unexpected end of input after '{0}'")]
    MissingOperand(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word { word: Word, digits_only: bool },
    Semi,
    Amp,
    AndAnd,
    Pipe,
    OrOr,
    Newline,
    RedirOut { fd: Option<u32>, append: bool },
    RedirIn { fd: Option<u32> },
    DupOut { fd: Option<u32> },
    Unsupported(char),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word { word, .. } => word.expand(0),
            Token::Semi => ";".into(),
            Token::Amp => "&".into(),
            Token::AndAnd => "&&".into(),
            Token::Pipe => "|".into(),
            Token::OrOr => "||".into(),
            Token::Newline => "newline".into(),
            Token::RedirOut { append: false, .. } => ">".into(),
            Token::RedirOut { append: true, .. } => ">>".into(),
            Token::RedirIn { .. } => "<".into(),
            Token::DupOut { .. } => ">&".into(),
            Token::Unsupported(c) => c.to_string(),
        }
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// The rest of a `'…'` string, appended to `w` (no escapes inside).
fn single_quoted(chars: &mut Chars<'_>, w: &mut Word) -> Result<(), ParseError> {
    loop {
        match chars.next() {
            Some('\'') => return Ok(()),
            Some(ch) => w.push_char(ch),
            None => return Err(ParseError::UnterminatedQuote),
        }
    }
}

/// The rest of a `"…"` string, appended to `w`: a backslash escapes `$`,
/// a backquote, `"`, a backslash and a newline; `$?` is the last status.
fn double_quoted(chars: &mut Chars<'_>, w: &mut Word) -> Result<(), ParseError> {
    loop {
        match chars.next() {
            Some('"') => return Ok(()),
            Some('\\') => match chars.next() {
                Some(n @ ('$' | '`' | '"' | '\\')) => w.push_char(n),
                Some('\n') => {}
                Some(n) => {
                    w.push_char('\\');
                    w.push_char(n);
                }
                None => return Err(ParseError::UnterminatedQuote),
            },
            Some('$') if chars.peek() == Some(&'?') => {
                chars.next();
                w.0.push(WordPart::LastStatus);
            }
            Some(ch) => w.push_char(ch),
            None => return Err(ParseError::UnterminatedQuote),
        }
    }
}

/// The redirection operator starting with `c` (`<`, `>`, `>>`, `>&`) for
/// descriptor `fd`.
fn redirect_token(c: char, fd: Option<u32>, chars: &mut Chars<'_>) -> Token {
    if c == '<' {
        Token::RedirIn { fd }
    } else if chars.peek() == Some(&'>') {
        chars.next();
        Token::RedirOut { fd, append: true }
    } else if chars.peek() == Some(&'&') {
        chars.next();
        Token::DupOut { fd }
    } else {
        Token::RedirOut { fd, append: false }
    }
}

/// Ends the word being read, if any, as a token.
fn finish(tokens: &mut Vec<Token>, cur: &mut Option<Word>, digits_only: &mut bool) {
    if let Some(w) = cur.take() {
        tokens.push(Token::Word {
            word: w,
            digits_only: *digits_only,
        });
    }
    *digits_only = true;
}

/// A word made only of unquoted digits right before a redirection
/// operator is the descriptor number (and no longer a word).
fn take_fd(cur: &mut Option<Word>, digits_only: bool) -> Option<u32> {
    match cur {
        Some(w) if digits_only => {
            let n = w.expand(0).parse::<u32>().ok();
            if n.is_some() {
                *cur = None;
            }
            n
        }
        _ => None,
    }
}

/// Splits a command line into tokens.
fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    let mut cur: Option<Word> = None;
    let mut digits_only = true;

    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' => finish(&mut tokens, &mut cur, &mut digits_only),
            '\n' => {
                finish(&mut tokens, &mut cur, &mut digits_only);
                tokens.push(Token::Newline);
            }
            '#' if cur.is_none() => {
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            '\'' => {
                let w = cur.get_or_insert_with(Word::default);
                digits_only = false;
                // An empty quoted string is still a word.
                if w.0.is_empty() {
                    w.0.push(WordPart::Literal(String::new()));
                }
                single_quoted(&mut chars, w)?;
            }
            '"' => {
                let w = cur.get_or_insert_with(Word::default);
                digits_only = false;
                if w.0.is_empty() {
                    w.0.push(WordPart::Literal(String::new()));
                }
                double_quoted(&mut chars, w)?;
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(n) => {
                    digits_only = false;
                    cur.get_or_insert_with(Word::default).push_char(n);
                }
                None => {
                    digits_only = false;
                    cur.get_or_insert_with(Word::default).push_char('\\');
                }
            },
            '$' if chars.peek() == Some(&'?') => {
                chars.next();
                digits_only = false;
                cur.get_or_insert_with(Word::default)
                    .0
                    .push(WordPart::LastStatus);
            }
            ';' => {
                finish(&mut tokens, &mut cur, &mut digits_only);
                tokens.push(Token::Semi);
            }
            '&' | '|' => {
                finish(&mut tokens, &mut cur, &mut digits_only);
                let doubled = chars.next_if_eq(&c).is_some();
                tokens.push(match (c, doubled) {
                    ('&', true) => Token::AndAnd,
                    ('&', false) => Token::Amp,
                    (_, true) => Token::OrOr,
                    (_, false) => Token::Pipe,
                });
            }
            '>' | '<' => {
                let fd = take_fd(&mut cur, digits_only);
                finish(&mut tokens, &mut cur, &mut digits_only);
                tokens.push(redirect_token(c, fd, &mut chars));
            }
            '(' | ')' | '`' => {
                finish(&mut tokens, &mut cur, &mut digits_only);
                tokens.push(Token::Unsupported(c));
            }
            other => {
                if !other.is_ascii_digit() {
                    digits_only = false;
                }
                cur.get_or_insert_with(Word::default).push_char(other);
            }
        }
    }
    finish(&mut tokens, &mut cur, &mut digits_only);
    Ok(tokens)
}

/// Parses a command line.
pub fn parse(input: &str) -> Result<Script, ParseError> {
    let tokens = tokenize(input)?;
    let mut p = Parser { tokens, pos: 0 };
    p.script()
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn script(&mut self) -> Result<Script, ParseError> {
        let mut items = Vec::new();
        loop {
            while matches!(self.peek(), Some(Token::Newline | Token::Semi)) {
                if matches!(self.peek(), Some(Token::Semi)) && items.is_empty() {
                    return Err(ParseError::Unexpected(";".into()));
                }
                self.pos += 1;
            }
            let Some(tok) = self.peek() else { break };
            if matches!(tok, Token::Amp) {
                return Err(ParseError::Unexpected("&".into()));
            }
            items.push(self.and_or()?);
            match self.peek() {
                None => break,
                Some(Token::Semi | Token::Newline | Token::Amp) => self.pos += 1,
                Some(t) => return Err(ParseError::Unexpected(t.describe())),
            }
        }
        Ok(Script { items })
    }

    fn and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let conn = match self.peek() {
                Some(Token::AndAnd) => Connector::And,
                Some(Token::OrOr) => Connector::Or,
                _ => break,
            };
            let op = self.peek().map(Token::describe).unwrap_or_default();
            self.pos += 1;
            while matches!(self.peek(), Some(Token::Newline)) {
                self.pos += 1;
            }
            if self.peek().is_none() {
                return Err(ParseError::MissingOperand(op));
            }
            rest.push((conn, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let mut commands = vec![self.simple()?];
        while matches!(self.peek(), Some(Token::Pipe)) {
            self.pos += 1;
            while matches!(self.peek(), Some(Token::Newline)) {
                self.pos += 1;
            }
            if self.peek().is_none() {
                return Err(ParseError::MissingOperand("|".into()));
            }
            commands.push(self.simple()?);
        }
        Ok(Pipeline { commands })
    }

    fn simple(&mut self) -> Result<SimpleCommand, ParseError> {
        let mut cmd = SimpleCommand::default();
        while let Some(tok) = self.peek().cloned() {
            match tok {
                Token::Word { word, .. } => {
                    self.pos += 1;
                    cmd.words.push(word);
                }
                Token::RedirOut { fd, append } => {
                    self.pos += 1;
                    let path = self.target_word(if append { ">>" } else { ">" })?;
                    cmd.redirects.push(Redirect {
                        fd: fd.unwrap_or(1),
                        target: RedirectTarget::FileOut { path, append },
                    });
                }
                Token::RedirIn { fd } => {
                    self.pos += 1;
                    let path = self.target_word("<")?;
                    cmd.redirects.push(Redirect {
                        fd: fd.unwrap_or(0),
                        target: RedirectTarget::FileIn { path },
                    });
                }
                Token::DupOut { fd } => {
                    self.pos += 1;
                    let target = self.target_word(">&")?.expand(0);
                    let fd = fd.unwrap_or(1);
                    let target = match target.parse::<u32>() {
                        Ok(n) => RedirectTarget::Dup(n),
                        // `>&file` is bash's shorthand; mksh treats it as a
                        // bad descriptor, and so do we.
                        Err(_) => return Err(ParseError::Unexpected(target)),
                    };
                    cmd.redirects.push(Redirect { fd, target });
                }
                Token::Unsupported(c) => return Err(ParseError::Unexpected(c.to_string())),
                _ => break,
            }
        }
        if cmd.words.is_empty() && cmd.redirects.is_empty() {
            return Err(match self.peek() {
                Some(t) => ParseError::Unexpected(t.describe()),
                None => ParseError::MissingOperand(String::new()),
            });
        }
        Ok(cmd)
    }

    fn target_word(&mut self, op: &str) -> Result<Word, ParseError> {
        match self.peek().cloned() {
            Some(Token::Word { word, .. }) => {
                self.pos += 1;
                Ok(word)
            }
            Some(t) => Err(ParseError::Unexpected(t.describe())),
            None => Err(ParseError::MissingOperand(op.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn argv(s: &Script, item: usize) -> Vec<String> {
        s.items[item].first.commands[0]
            .words
            .iter()
            .map(|w| w.expand(0))
            .collect()
    }

    #[test]
    fn quoting_follows_sh() {
        let s = parse(r#"echo 'a b' "c \"d\" \x" e\ f '' "$?""#).unwrap();
        assert_eq!(argv(&s, 0), ["echo", "a b", r#"c "d" \x"#, "e f", "", "0"]);
    }

    #[test]
    fn lists_and_redirections() {
        let s = parse("echo out; echo err >&2 && false || echo x 2>/dev/null").unwrap();
        assert_eq!(s.items.len(), 2);
        let second = &s.items[1];
        assert_eq!(
            second.first.commands[0].redirects[0],
            Redirect {
                fd: 1,
                target: RedirectTarget::Dup(2)
            }
        );
        assert_eq!(second.rest.len(), 2);
        assert_eq!(second.rest[1].0, Connector::Or);
        assert_eq!(second.rest[1].1.commands[0].redirects[0].fd, 2);
    }

    #[test]
    fn descriptor_numbers_only_when_unquoted_digits() {
        let s = parse("echo 2>&1 '2'>f").unwrap();
        let c = &s.items[0].first.commands[0];
        assert_eq!(
            c.redirects[0],
            Redirect {
                fd: 2,
                target: RedirectTarget::Dup(1)
            }
        );
        assert_eq!(c.redirects[1].fd, 1);
        assert_eq!(c.words.len(), 2);
    }

    #[test]
    fn errors() {
        assert_eq!(parse("echo 'a"), Err(ParseError::UnterminatedQuote));
        assert!(parse("echo a &&").is_err());
        assert!(parse("; echo").is_err());
        assert!(parse("echo >").is_err());
        assert!(parse("(echo)").is_err());
        assert_eq!(parse("").unwrap().items.len(), 0);
        assert_eq!(parse("  # comment").unwrap().items.len(), 0);
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
        }

        #[test]
        fn parser_never_panics_on_shell_soup(s in "[a-z0-9 '\"\\\\;&|<>$?#()\n]{0,60}") {
            let _ = parse(&s);
        }
    }
}

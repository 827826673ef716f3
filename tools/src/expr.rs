//! The `wazo-provd-cli -c '<expression>'` compatibility language.
//!
//! wazo-provd-cli evaluates arbitrary Python; provd accepts the statements
//! Wazo's documentation tells administrators to type, parsed properly: a
//! tokenizer with Python's string, comment and line-joining rules, a small
//! grammar of attribute/call chains (`name(.name | (args) | [literal])*`),
//! then a check of each chain against the supported forms. Nothing is
//! executed until the whole program has parsed.

use std::fmt;

use provd_core::Mac;

/// The forms accepted, for error messages and `--help`.
pub const SUPPORTED: &str = "\
supported expressions (several may be separated by ';' or newlines):
  devices.using_plugin(\"PLUGIN\").reconfigure()
  devices.using_plugin(\"PLUGIN\").synchronize()
  devices.using_mac(\"MAC\").reconfigure()
  devices.using_mac(\"MAC\").synchronize()
  helpers.mass_update_devices_plugin(\"OLD\", \"NEW\")
  helpers.mass_update_devices_plugin(\"OLD\", \"NEW\", synchronize=True)
  helpers.mass_synchronize()";

/// Longest expression accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

/// Which devices a `devices.using_*(..)` group holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Plugin(String),
    Mac(Mac),
}

/// One statement, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    Reconfigure(Target),
    Synchronize(Target),
    MassUpdatePlugin { old: String, new: String, synchronize: bool },
    MassSynchronize,
}

/// A syntax or semantic error, with where it is (1-based line and column,
/// counted in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
}

fn err<T>(pos: Pos, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { line: pos.line, column: pos.column, message: message.into() })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(String),
    Dot,
    Comma,
    Equals,
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// `;` or a newline outside brackets.
    Separator,
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("name {s:?}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Int(s) => format!("number {s}"),
            Tok::Dot => "'.'".into(),
            Tok::Comma => "','".into(),
            Tok::Equals => "'='".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Separator => "end of statement".into(),
            Tok::Eof => "end of input".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: Pos,
}

/// Splits the input into tokens. Newlines inside brackets join lines, as in
/// Python; a backslash before a newline continues the line.
fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    let mut pos = Pos { line: 1, column: 1 };
    let mut depth: Vec<(char, Pos)> = Vec::new();
    let advance = |pos: &mut Pos, c: char| {
        if c == '\n' {
            pos.line += 1;
            pos.column = 1;
        } else {
            pos.column += 1;
        }
    };
    while let Some(&c) = chars.peek() {
        let start = pos;
        chars.next();
        advance(&mut pos, c);
        let tok = match c {
            ' ' | '\t' | '\r' | '\x0c' => continue,
            '\n' => {
                if !depth.is_empty() {
                    continue;
                }
                Tok::Separator
            }
            '\\' => match chars.next() {
                Some('\n') => {
                    advance(&mut pos, '\n');
                    continue;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                    advance(&mut pos, '\n');
                    continue;
                }
                _ => return err(start, "unexpected '\\' (only allowed at the end of a line)"),
            },
            '#' => {
                while let Some(&c) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    chars.next();
                    advance(&mut pos, c);
                }
                continue;
            }
            ';' => {
                if let Some(&(open, at)) = depth.last() {
                    return err(start, format!("';' inside the '{open}' opened at column {}", at.column));
                }
                Tok::Separator
            }
            '.' => Tok::Dot,
            ',' => Tok::Comma,
            '=' => Tok::Equals,
            '(' | '[' => {
                if depth.len() >= 64 {
                    return err(start, "brackets nested too deeply");
                }
                depth.push((c, start));
                if c == '(' { Tok::LParen } else { Tok::LBracket }
            }
            ')' | ']' => {
                let want = if c == ')' { '(' } else { '[' };
                match depth.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return err(
                            start,
                            format!("'{c}' does not match the '{open}' at line {}, column {}", at.line, at.column),
                        );
                    }
                    None => return err(start, format!("unmatched '{c}'")),
                }
                if c == ')' { Tok::RParen } else { Tok::RBracket }
            }
            '\'' | '"' => Tok::Str(string(c, &mut chars, &mut pos, start)?),
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut s = String::from(c);
                while let Some(&c) = chars.peek() {
                    if !(c.is_ascii_alphanumeric() || c == '_') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                    advance(&mut pos, c);
                }
                if matches!(chars.peek(), Some('\'' | '"')) {
                    return err(start, format!("string prefixes such as {s}'...' are not supported"));
                }
                Tok::Ident(s)
            }
            c if c.is_ascii_digit() => {
                let mut s = String::from(c);
                while let Some(&c) = chars.peek() {
                    if !c.is_ascii_alphanumeric() {
                        break;
                    }
                    s.push(c);
                    chars.next();
                    advance(&mut pos, c);
                }
                Tok::Int(s)
            }
            c if c.is_control() => return err(start, format!("unexpected control character {:?}", c)),
            c => return err(start, format!("unexpected character {c:?}")),
        };
        out.push(Token { tok, pos: start });
    }
    if let Some((open, at)) = depth.pop() {
        return err(at, format!("'{open}' is never closed"));
    }
    out.push(Token { tok: Tok::Eof, pos });
    Ok(out)
}

/// The rest of a string literal opened by `quote` at `start`.
fn string(
    quote: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    pos: &mut Pos,
    start: Pos,
) -> Result<String, ParseError> {
    let mut s = String::new();
    loop {
        let Some(c) = chars.next() else { return err(start, "string is never closed") };
        match c {
            '\n' => return err(start, "string is not closed on its line"),
            c if c == quote => {
                pos.column += 1;
                // `''` followed by another quote opens a triple-quoted string.
                if s.is_empty() && chars.peek() == Some(&quote) {
                    return err(start, "triple-quoted strings are not supported");
                }
                return Ok(s);
            }
            '\\' => {
                pos.column += 1;
                let Some(e) = chars.next() else { return err(start, "string is never closed") };
                pos.column += 1;
                match e {
                    '\\' | '\'' | '"' => s.push(e),
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    '\n' => {
                        pos.line += 1;
                        pos.column = 1;
                    }
                    // Python keeps unknown escapes as they are.
                    other => {
                        s.push('\\');
                        s.push(other);
                    }
                }
            }
            c => {
                pos.column += 1;
                s.push(c);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Int(String),
    Bool(bool),
    None,
}

impl Literal {
    fn describe(&self) -> String {
        match self {
            Literal::Str(s) => format!("string {s:?}"),
            Literal::Int(s) => format!("number {s}"),
            Literal::Bool(b) => if *b { "True" } else { "False" }.into(),
            Literal::None => "None".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Arg {
    name: Option<String>,
    value: Literal,
    pos: Pos,
}

#[derive(Debug, Clone)]
enum Trailer {
    Attr(String, Pos),
    Call(Vec<Arg>, Pos),
    Index(Literal, Pos),
}

#[derive(Debug, Clone)]
struct Chain {
    root: String,
    pos: Pos,
    trailers: Vec<Trailer>,
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at]
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    fn expect(&mut self, want: &Tok, context: &str) -> Result<Token, ParseError> {
        let t = self.next();
        if &t.tok == want {
            Ok(t)
        } else {
            err(t.pos, format!("expected {} {context}, found {}", want.describe(), t.tok.describe()))
        }
    }

    /// Statements, each checked against the supported forms as soon as it
    /// is parsed, so that `import os` says "not supported" rather than
    /// complaining about the syntax that follows.
    fn program(&mut self) -> Result<Vec<Statement>, ParseError> {
        let mut out = Vec::new();
        loop {
            while self.peek().tok == Tok::Separator {
                self.next();
            }
            if self.peek().tok == Tok::Eof {
                return Ok(out);
            }
            out.push(interpret(&self.chain()?)?);
            let t = self.next();
            match t.tok {
                Tok::Separator | Tok::Eof => {}
                other => {
                    return err(t.pos, format!("expected ';' or a new line, found {}", other.describe()));
                }
            }
        }
    }

    fn chain(&mut self) -> Result<Chain, ParseError> {
        let t = self.next();
        let root_pos = t.pos;
        let Tok::Ident(root) = t.tok else {
            return err(t.pos, format!("expected `devices` or `helpers`, found {}", t.tok.describe()));
        };
        let mut trailers = Vec::new();
        loop {
            let t = self.peek().clone();
            match t.tok {
                Tok::Dot => {
                    self.next();
                    let n = self.next();
                    let Tok::Ident(name) = n.tok else {
                        return err(n.pos, format!("expected a name after '.', found {}", n.tok.describe()));
                    };
                    trailers.push(Trailer::Attr(name, n.pos));
                }
                Tok::LParen => {
                    self.next();
                    trailers.push(Trailer::Call(self.args()?, t.pos));
                }
                Tok::LBracket => {
                    self.next();
                    let (lit, _) = self.literal()?;
                    self.expect(&Tok::RBracket, "after the index")?;
                    trailers.push(Trailer::Index(lit, t.pos));
                }
                _ => return Ok(Chain { root, pos: root_pos, trailers }),
            }
        }
    }

    /// Call arguments, after the `(`: positional then keyword literals.
    fn args(&mut self) -> Result<Vec<Arg>, ParseError> {
        let mut args: Vec<Arg> = Vec::new();
        loop {
            if self.peek().tok == Tok::RParen {
                self.next();
                return Ok(args);
            }
            let start = self.peek().pos;
            let name = match (&self.tokens[self.at].tok, self.tokens.get(self.at + 1).map(|t| &t.tok)) {
                (Tok::Ident(n), Some(Tok::Equals)) => {
                    let n = n.clone();
                    self.next();
                    self.next();
                    Some(n)
                }
                _ => None,
            };
            if name.is_none() && args.iter().any(|a| a.name.is_some()) {
                return err(start, "positional argument follows keyword argument");
            }
            let (value, _) = self.literal()?;
            args.push(Arg { name, value, pos: start });
            let t = self.next();
            match t.tok {
                Tok::Comma => {}
                Tok::RParen => return Ok(args),
                other => {
                    return err(t.pos, format!("expected ',' or ')' in the arguments, found {}", other.describe()));
                }
            }
        }
    }

    fn literal(&mut self) -> Result<(Literal, Pos), ParseError> {
        let t = self.next();
        let lit = match t.tok {
            Tok::Str(s) => Literal::Str(s),
            Tok::Int(s) => Literal::Int(s),
            Tok::Ident(n) if n == "True" => Literal::Bool(true),
            Tok::Ident(n) if n == "False" => Literal::Bool(false),
            Tok::Ident(n) if n == "None" => Literal::None,
            Tok::Ident(n) => {
                return err(
                    t.pos,
                    format!("arguments must be literals (a quoted string, True or False), found name {n:?}"),
                );
            }
            other => return err(t.pos, format!("expected an argument, found {}", other.describe())),
        };
        Ok((lit, t.pos))
    }
}

/// Parses a whole program. Every statement is checked before any is run.
pub fn parse(input: &str) -> Result<Vec<Statement>, ParseError> {
    if input.len() > MAX_LEN {
        return err(Pos { line: 1, column: 1 }, format!("expression longer than {MAX_LEN} bytes"));
    }
    let tokens = tokenize(input)?;
    let mut parser = Parser { tokens, at: 0 };
    let statements = parser.program()?;
    if statements.is_empty() {
        return err(Pos { line: 1, column: 1 }, "empty expression");
    }
    Ok(statements)
}

fn unsupported<T>(pos: Pos, what: impl fmt::Display) -> Result<T, ParseError> {
    err(pos, format!("{what} is not supported"))
}

fn string_arg(arg: &Arg, what: &str) -> Result<String, ParseError> {
    match &arg.value {
        Literal::Str(s) if s.trim().is_empty() => err(arg.pos, format!("{what} must not be empty")),
        Literal::Str(s) => Ok(s.clone()),
        other => err(arg.pos, format!("{what} must be a quoted string, found {}", other.describe())),
    }
}

fn bool_arg(arg: &Arg, what: &str) -> Result<bool, ParseError> {
    match &arg.value {
        Literal::Bool(b) => Ok(*b),
        other => err(arg.pos, format!("{what} must be True or False, found {}", other.describe())),
    }
}

/// Binds call arguments to parameter names as Python does.
fn bind<'a>(
    func: &str,
    params: &[&str],
    required: usize,
    args: &'a [Arg],
    call: Pos,
) -> Result<Vec<Option<&'a Arg>>, ParseError> {
    let mut bound: Vec<Option<&Arg>> = vec![None; params.len()];
    for (i, arg) in args.iter().enumerate() {
        let slot = match &arg.name {
            None if i < params.len() => i,
            None => {
                return err(
                    arg.pos,
                    format!("{func}() takes at most {} arguments ({} given)", params.len(), args.len()),
                );
            }
            Some(n) => match params.iter().position(|p| p == n) {
                Some(slot) => slot,
                None => return err(arg.pos, format!("{func}() got an unexpected keyword argument {n:?}")),
            },
        };
        if bound[slot].is_some() {
            return err(arg.pos, format!("{func}() got multiple values for argument {:?}", params[slot]));
        }
        bound[slot] = Some(arg);
    }
    if let Some(missing) = (0..required).find(|&i| bound[i].is_none()) {
        return err(call, format!("{func}() is missing the argument {:?}", params[missing]));
    }
    Ok(bound)
}

fn no_args(func: &str, args: &[Arg], call: Pos) -> Result<(), ParseError> {
    bind(func, &[], 0, args, call).map(|_| ())
}

fn interpret(chain: &Chain) -> Result<Statement, ParseError> {
    use Trailer::{Attr, Call};
    let t = &chain.trailers;
    match chain.root.as_str() {
        "devices" => {
            let (selector, arg, call_pos) = match t.first() {
                Some(Attr(name, pos)) if name == "using_plugin" || name == "using_mac" => match t.get(1) {
                    Some(Call(args, call)) => {
                        // wazo-provd-cli's parameter names.
                        let param = if name == "using_plugin" { "plugin_id" } else { "mac" };
                        let bound = bind(name, &[param], 1, args, *call)?;
                        (name.as_str(), bound[0].unwrap(), *call)
                    }
                    _ => return err(*pos, format!("expected devices.{name}(\"...\")")),
                },
                Some(Attr(name, pos)) => return unsupported(*pos, format!("devices.{name}")),
                Some(Trailer::Index(lit, pos)) => {
                    return unsupported(*pos, format!("devices[{}] (use devices.using_mac(...))", lit.describe()));
                }
                Some(Call(_, pos)) => return unsupported(*pos, "calling `devices`"),
                None => {
                    return err(chain.pos, "`devices` alone does nothing: add .using_plugin(\"...\").reconfigure()");
                }
            };
            let target = if selector == "using_plugin" {
                Target::Plugin(string_arg(arg, "the plugin id")?)
            } else {
                let s = string_arg(arg, "the MAC address")?;
                Target::Mac(Mac::parse(s.trim()).or_else(|e| err(arg.pos, e.to_string()))?)
            };
            match (t.get(2), t.get(3)) {
                (Some(Attr(action, pos)), Some(Call(args, call))) => {
                    let stmt = match action.as_str() {
                        "reconfigure" => Statement::Reconfigure(target),
                        "synchronize" => Statement::Synchronize(target),
                        other => return unsupported(*pos, format!("the device group method {other:?}")),
                    };
                    no_args(action, args, *call)?;
                    if let Some(extra) = t.get(4) {
                        return err(trailer_pos(extra), "nothing may follow .reconfigure() or .synchronize()");
                    }
                    Ok(stmt)
                }
                (Some(Attr(action, pos)), _) => err(*pos, format!("expected .{action}() with parentheses")),
                (Some(other), _) => err(trailer_pos(other), "expected .reconfigure() or .synchronize()"),
                (None, _) => err(call_pos, "a device group does nothing alone: add .reconfigure() or .synchronize()"),
            }
        }
        "helpers" => {
            let (name, pos) = match t.first() {
                Some(Attr(name, pos)) => (name.as_str(), *pos),
                Some(other) => return unsupported(trailer_pos(other), "using `helpers` this way"),
                None => return err(chain.pos, "`helpers` alone does nothing"),
            };
            let (args, call) = match t.get(1) {
                Some(Call(args, call)) => (args, *call),
                _ => return err(pos, format!("expected helpers.{name}(...)")),
            };
            if let Some(extra) = t.get(2) {
                return err(trailer_pos(extra), format!("nothing may follow helpers.{name}(...)"));
            }
            match name {
                "mass_update_devices_plugin" => {
                    let b = bind(name, &["old_plugin", "new_plugin", "synchronize", "recurse"], 2, args, call)?;
                    let old = string_arg(b[0].unwrap(), "the old plugin id")?;
                    let new = string_arg(b[1].unwrap(), "the new plugin id")?;
                    let synchronize = b[2].map(|a| bool_arg(a, "synchronize")).transpose()?.unwrap_or(false);
                    // The CLI always lists every device its token reaches
                    // (`recurse`), whatever this says.
                    b[3].map(|a| bool_arg(a, "recurse")).transpose()?;
                    if old == new {
                        return err(call, "the old and new plugins are the same");
                    }
                    Ok(Statement::MassUpdatePlugin { old, new, synchronize })
                }
                "mass_synchronize" => {
                    let b = bind(name, &["recurse"], 0, args, call)?;
                    b[0].map(|a| bool_arg(a, "recurse")).transpose()?;
                    Ok(Statement::MassSynchronize)
                }
                other => unsupported(pos, format!("helpers.{other}")),
            }
        }
        other => unsupported(chain.pos, format!("`{other}`")),
    }
}

fn trailer_pos(t: &Trailer) -> Pos {
    match t {
        Trailer::Attr(_, p) | Trailer::Call(_, p) | Trailer::Index(_, p) => *p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Statement {
        let mut v = parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!(v.len(), 1, "{s:?}");
        v.remove(0)
    }

    fn fails(s: &str) -> ParseError {
        match parse(s) {
            Ok(v) => panic!("{s:?} parsed as {v:?}"),
            Err(e) => e,
        }
    }

    fn plugin(p: &str) -> Target {
        Target::Plugin(p.into())
    }

    #[test]
    fn seed_document_commands_verbatim() {
        assert_eq!(
            one(r#"devices.using_plugin("xivo-aastra-3.3.1-SP2").reconfigure()"#),
            Statement::Reconfigure(plugin("xivo-aastra-3.3.1-SP2"))
        );
        assert_eq!(
            one(r#"devices.using_plugin("xivo-aastra-3.3.1-SP2").synchronize()"#),
            Statement::Synchronize(plugin("xivo-aastra-3.3.1-SP2"))
        );
        let mac = Mac::parse("00:08:5d:2e:ec:fb").unwrap();
        assert_eq!(one(r#"devices.using_mac("00085D2EECFB").reconfigure()"#), Statement::Reconfigure(Target::Mac(mac)));
        assert_eq!(one(r#"devices.using_mac("00085D2EECFB").synchronize()"#), Statement::Synchronize(Target::Mac(mac)));
        assert_eq!(
            one(r#"helpers.mass_update_devices_plugin("xivo-aastra-3.2.2.1136", "xivo-aastra-3.3.1-SP2")"#),
            Statement::MassUpdatePlugin {
                old: "xivo-aastra-3.2.2.1136".into(),
                new: "xivo-aastra-3.3.1-SP2".into(),
                synchronize: false
            }
        );
        assert_eq!(
            one(
                r#"helpers.mass_update_devices_plugin("xivo-aastra-3.2.2.1136", "xivo-aastra-3.3.1-SP2", synchronize=True)"#
            ),
            Statement::MassUpdatePlugin {
                old: "xivo-aastra-3.2.2.1136".into(),
                new: "xivo-aastra-3.3.1-SP2".into(),
                synchronize: true
            }
        );
    }

    #[test]
    fn quotes_whitespace_and_python_call_forms() {
        let want = Statement::Reconfigure(plugin("p"));
        for s in [
            "devices.using_plugin('p').reconfigure()",
            "  devices . using_plugin ( 'p' ) . reconfigure ( )  ",
            "\tdevices.using_plugin(\n  'p',\n).reconfigure()\n",
            "devices.using_plugin(plugin_id='p').reconfigure()",
            "devices.using_plugin('p').reconfigure()  # reconfigure them all",
            "devices.using_plugin('p') \\\n .reconfigure()",
            "devices.using_plugin(\"p\").reconfigure();",
            "\r\ndevices.using_plugin('p').reconfigure()\r\n",
        ] {
            assert_eq!(one(s), want, "{s:?}");
        }
        let mu = |sync| Statement::MassUpdatePlugin { old: "a".into(), new: "b".into(), synchronize: sync };
        assert_eq!(one("helpers.mass_update_devices_plugin('a', 'b', True)"), mu(true));
        assert_eq!(one("helpers.mass_update_devices_plugin('a', 'b', synchronize=False)"), mu(false));
        assert_eq!(one("helpers.mass_update_devices_plugin(new_plugin='b', old_plugin='a')"), mu(false));
        assert_eq!(one("devices.using_plugin(plugin_id='p').reconfigure()"), Statement::Reconfigure(plugin("p")));
        assert!(matches!(one("devices.using_mac(mac='00:11:22:33:44:55').synchronize()"), Statement::Synchronize(_)));
        assert_eq!(one("helpers.mass_update_devices_plugin('a','b',synchronize=True,recurse=True,)"), mu(true));
        assert_eq!(one("helpers.mass_synchronize()"), Statement::MassSynchronize);
        // Escapes as Python reads them.
        assert_eq!(
            one(r#"devices.using_plugin("a\"b\\c\d").reconfigure()"#),
            Statement::Reconfigure(plugin(r#"a"b\c\d"#))
        );
        assert_eq!(one(r#"devices.using_plugin('it\'s').synchronize()"#), Statement::Synchronize(plugin("it's")));
    }

    #[test]
    fn several_statements() {
        let v = parse(
            "devices.using_plugin('a').reconfigure(); devices.using_plugin('a').synchronize()\n\n\
             helpers.mass_update_devices_plugin('a', 'b')",
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                Statement::Reconfigure(plugin("a")),
                Statement::Synchronize(plugin("a")),
                Statement::MassUpdatePlugin { old: "a".into(), new: "b".into(), synchronize: false }
            ]
        );
        // A bad statement anywhere refuses the whole program.
        let e = fails("devices.using_plugin('a').reconfigure()\ndevices.using_plugin('a').reboot()");
        assert_eq!((e.line, e.column), (2, 27), "{e}");
        assert!(e.message.contains("\"reboot\" is not supported"), "{e}");
    }

    #[test]
    fn macs_are_normalised_and_checked() {
        let mac = Mac::parse("00:08:5d:2e:ec:fb").unwrap();
        for m in ["00:08:5D:2E:EC:FB", "00-08-5d-2e-ec-fb", "0008.5d2e.ecfb", " 00085d2eecfb "] {
            assert_eq!(
                one(&format!("devices.using_mac('{m}').reconfigure()")),
                Statement::Reconfigure(Target::Mac(mac)),
                "{m}"
            );
        }
        let e = fails("devices.using_mac('00085D2EECF').reconfigure()");
        assert!(e.message.contains("invalid MAC address"), "{e}");
        assert_eq!(e.column, 19);
    }

    #[test]
    fn errors_say_where_and_what() {
        let cases: &[(&str, &str)] = &[
            ("", "empty expression"),
            (" ;; \n ", "empty expression"),
            ("devices.using_plugin('p').reconfigure(", "'(' is never closed"),
            ("devices.using_plugin('p).reconfigure()", "string is never closed"),
            ("devices.using_plugin('p).reconfigure()\n", "string is not closed on its line"),
            ("devices.using_plugin('p').reconfigure())", "unmatched ')'"),
            ("devices.using_plugin('p'].reconfigure()", "does not match"),
            ("devices.using_plugin(p).reconfigure()", "arguments must be literals"),
            ("devices.using_plugin('').reconfigure()", "must not be empty"),
            ("devices.using_plugin(42).reconfigure()", "must be a quoted string, found number 42"),
            ("devices.using_plugin('p')", "add .reconfigure() or .synchronize()"),
            ("devices.using_plugin('p').reconfigure", "with parentheses"),
            ("devices.using_plugin('p').reconfigure(True)", "takes at most 0 arguments"),
            ("devices.using_plugin('p').reconfigure().synchronize()", "nothing may follow"),
            ("devices.using_plugin('p', 'q').reconfigure()", "takes at most 1 arguments"),
            ("devices.using_plugin().reconfigure()", "missing the argument \"plugin_id\""),
            ("devices.using_model('p').reconfigure()", "devices.using_model is not supported"),
            ("devices['abc'].synchronize()", "not supported"),
            ("devices", "alone does nothing"),
            ("configs.autocreate()", "`configs` is not supported"),
            ("import os; os.system('rm -rf /')", "`import` is not supported"),
            ("__import__('os').system('id')", "`__import__` is not supported"),
            ("helpers.mass_update_devices_plugin('a')", "missing the argument \"new_plugin\""),
            ("helpers.mass_update_devices_plugin('a', 'a')", "are the same"),
            ("helpers.mass_update_devices_plugin('a', 'b', synchronize=1)", "must be True or False"),
            ("helpers.mass_update_devices_plugin('a', 'b', synchronize='yes')", "must be True or False"),
            ("helpers.mass_update_devices_plugin('a', 'b', sync=True)", "unexpected keyword argument \"sync\""),
            ("helpers.mass_update_devices_plugin(synchronize=True, 'a', 'b')", "positional argument follows keyword"),
            ("helpers.mass_update_devices_plugin('a', 'b', False, synchronize=True)", "multiple values"),
            ("helpers.unused_plugins()", "helpers.unused_plugins is not supported"),
            ("devices.using_plugin('p').reconfigure() devices", "expected ';' or a new line"),
            ("devices.using_plugin('p' 'q').reconfigure()", "expected ',' or ')'"),
            ("devices.using_plugin(r'p').reconfigure()", "string prefixes"),
            ("devices.using_plugin('''p''').reconfigure()", "triple-quoted"),
            ("devices.using_plugin('p');(", "'(' is never closed"),
            ("devices.using_plugin('p'; 'q').reconfigure()", "';' inside the '('"),
            ("devices.using_plugin(\u{201c}p\u{201d}).reconfigure()", "unexpected character '\u{201c}'"),
            ("devices.using_plugin('p').reconfigure()\u{0}", "control character"),
            ("devices.using_plugin('p').reconfigure() \\ x", "only allowed at the end of a line"),
            ("42", "expected `devices` or `helpers`, found number 42"),
            ("1 + 1", "unexpected character '+'"),
            (".reconfigure()", "expected `devices` or `helpers`"),
        ];
        for (input, want) in cases {
            let e = fails(input);
            assert!(e.to_string().contains(want), "{input:?}: got {e}, want {want:?}");
        }
    }

    #[test]
    fn hostile_inputs_fail_cleanly() {
        // Deep nesting is refused by the tokenizer, not by blowing the stack.
        let deep = format!("devices.using_plugin({}'p'{}).reconfigure()", "(".repeat(10_000), ")".repeat(10_000));
        assert!(fails(&deep).message.contains("nested too deeply"));
        let long = format!("devices.using_plugin('{}').reconfigure()", "a".repeat(MAX_LEN));
        assert!(fails(&long).message.contains("longer than"));
        // Many statements parse in linear time.
        let many = "devices.using_plugin('p').reconfigure();".repeat(1000);
        assert_eq!(parse(&many).unwrap().len(), 1000);
        // Odd characters inside strings are kept as they are (the server judges the id).
        assert_eq!(
            one("devices.using_plugin('../../etc\u{e9}').reconfigure()"),
            Statement::Reconfigure(plugin("../../etc\u{e9}"))
        );
        for s in ["'", "\"", "(", ")", "\\", "devices.", "devices..x", "devices.using_plugin(,)", "=", "#", "\u{feff}"]
        {
            let _ = parse(s); // must not panic
        }
        assert!(parse("# only a comment").is_err());
        // Every prefix of a valid program is handled without panicking.
        let good = "helpers.mass_update_devices_plugin('a', \"b\", synchronize=True); devices.using_mac('00085D2EECFB').synchronize()";
        for i in 0..=good.len() {
            let _ = parse(&good[..i]);
        }
    }
}

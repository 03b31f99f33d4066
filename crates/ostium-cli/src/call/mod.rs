//! `ostium call DOOR OP [ARG…]`: one call, typed by an interface when there is one, raw
//! hex otherwise.

mod value;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use ostium::wire::Status;
use ostium::{CallError, Client, Reply};
use ostium_idl::{ErrorType, Interface, Operation, Reply as ReplyKind};

use crate::{door, hex};
use value::Carried;

/// What the operation's declared error makes the exit status.
const DECLARED_ERROR: u8 = 3;

/// `ostium call`'s arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct CallArgs {
    /// The door's path.
    door: PathBuf,
    /// The operation: its number, or (with an interface) its name.
    op: String,
    /// With an interface, the arguments' values (NAME=VALUE, or in order); without, or
    /// with --hex, the argument bytes in hex.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
    /// The interface's .idol file, instead of the one the door describes.
    #[arg(long, value_name = "FILE")]
    idl: Option<PathBuf>,
    /// Raw call: OP is a number, ARGS hex bytes, and the reply is printed in hex.
    #[arg(long, conflicts_with = "idl")]
    hex: bool,
}

pub(crate) fn run(args: &CallArgs) -> anyhow::Result<ExitCode> {
    let client = door::open(&args.door)?;
    if args.hex {
        return raw(&client, args);
    }
    let interface = match &args.idl {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            ostium_idl::parse(&text, file).map_err(|d| anyhow!("{}", d.to_string().trim_end()))?
        }
        // A door whose answer to `DESCRIBE` is no description is called raw too.
        None => match door::fetch(&client).ok().flatten() {
            Some(described) => ostium_idl::parse(&described.idol, "<door's DESCRIBE>")
                .map_err(|d| anyhow!("the door's own interface: {}", d.to_string().trim_end()))?,
            // A plain door: only a raw call makes sense.
            None => return raw(&client, args),
        },
    };
    typed(&client, &interface, args)
}

/// A call whose arguments and reply are hex bytes.
fn raw(client: &Client, args: &CallArgs) -> anyhow::Result<ExitCode> {
    let op = parse_number(&args.op)
        .ok_or_else(|| anyhow!("`{}`: without an interface the operation is a number", args.op))?;
    let bytes = hex::parse(args.args.iter().map(String::as_str)).map_err(anyhow::Error::msg)?;
    let reply = call(client, op, &bytes)?;
    match reply.status {
        Status::Ok => {
            println!("ok {}", hex::format(&reply.data));
            Ok(ExitCode::SUCCESS)
        }
        Status::Error(code) => {
            println!("error {} {}", code.get(), hex::format(&reply.data));
            Ok(ExitCode::from(DECLARED_ERROR))
        }
        Status::Fault(fault) => bail!("the door answered with the fault {fault}"),
    }
}

/// A call of an operation of `interface`.
fn typed(client: &Client, interface: &Interface, args: &CallArgs) -> anyhow::Result<ExitCode> {
    let op = find(interface, &args.op)?;
    if !op.leases.is_empty() {
        let names: Vec<&str> = op.leases.iter().map(|l| l.name.as_str()).collect();
        bail!(
            "`{}` takes leases ({}), and `ostium call` does not lend memory; call it from code",
            op.name,
            names.join(", ")
        );
    }
    let bytes = encode_args(op, &args.args).map_err(|e| anyhow!("`{}`: {e}", op.name))?;
    let reply = call(client, op.number.get(), &bytes)?;
    match reply.status {
        Status::Ok => {
            let ok = Carried::of(op.reply.ok()).and_then(|c| c.decode(&reply.data, op.encoding));
            match ok {
                Ok(text) => println!("{text}"),
                Err(why) => println!("ok {} ({why}; shown as hex)", hex::format(&reply.data)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Status::Error(code) => {
            match &op.reply {
                ReplyKind::Result { err: ErrorType::CLike(ty), .. } => {
                    println!("error: {} code {}", ty.text, code.get());
                }
                ReplyKind::Result { err: ErrorType::Complex(ty), .. } => {
                    println!("error: {} (hubpack) {}", ty.text, hex::format(&reply.data));
                }
                _ => println!("error: code {} {}", code.get(), hex::format(&reply.data)),
            }
            Ok(ExitCode::from(DECLARED_ERROR))
        }
        Status::Fault(fault) => bail!("the door answered with the fault {fault}"),
    }
}

fn call(client: &Client, op: u32, args: &[u8]) -> anyhow::Result<Reply> {
    match client.call(op, args) {
        Err(CallError::Fault(fault)) => bail!("the door answered with the fault {fault}"),
        other => other.with_context(|| format!("calling operation {op}")),
    }
}

/// The operation named or numbered `op`.
fn find<'i>(interface: &'i Interface, op: &str) -> anyhow::Result<&'i Operation> {
    let found = match parse_number(op) {
        Some(number) => interface.op_by_number(number),
        None => interface.op(op),
    };
    found.ok_or_else(|| {
        let names: Vec<String> =
            interface.ops.iter().map(|o| format!("{} {}", o.number, o.name)).collect();
        anyhow!("{} has no operation `{op}`; it has: {}", interface.name, names.join(", "))
    })
}

/// The argument bytes of `op` from `words`: all `NAME=VALUE`, or all values in order.
fn encode_args(op: &Operation, words: &[String]) -> Result<Vec<u8>, String> {
    let named = words.iter().any(|w| w.contains('='));
    let values: Vec<&str> = if named {
        let mut values = vec![None; op.args.len()];
        for word in words {
            let (name, value) = word
                .split_once('=')
                .ok_or(format!("`{word}`: give every argument as NAME=VALUE"))?;
            let index = op.args.iter().position(|a| a.name.as_str() == name);
            let index = index.ok_or(format!("no argument `{name}`"))?;
            values[index] = Some(value);
        }
        let missing = op.args.iter().zip(&values).find(|(_, v)| v.is_none());
        if let Some((arg, _)) = missing {
            return Err(format!("argument `{}` is missing", arg.name));
        }
        values.into_iter().flatten().collect()
    } else {
        if words.len() != op.args.len() {
            return Err(format!("{} arguments given, {} expected", words.len(), op.args.len()));
        }
        words.iter().map(String::as_str).collect()
    };
    let mut bytes = Vec::new();
    for (arg, value) in op.args.iter().zip(values) {
        let carried =
            Carried::of(&arg.value).map_err(|e| format!("argument `{}`: {e}", arg.name))?;
        let encoded = carried
            .encode(value, op.encoding)
            .map_err(|e| format!("argument `{}`: {e}", arg.name))?;
        bytes.extend(encoded);
    }
    Ok(bytes)
}

/// A number in decimal or `0x` hex.
fn parse_number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

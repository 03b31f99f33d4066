//! Replies: the `ok` value follows the rules of any value; a `Complex` error is encoded
//! with Hubpack, so it needs `encoding: Hubpack`; `ServerDeath` is the error of a
//! non-idempotent operation only, since an idempotent one is retried when its server dies.

use crate::error::{Error, ErrorKind};
use crate::model::{Encoding, ErrorType, Reply};
use crate::syntax::{ErrorSyntax, OperationSyntax, ReplySyntax};

use super::Validator;

impl Validator {
    pub(crate) fn reply(&mut self, op: &OperationSyntax) -> Option<Reply> {
        let (ok, err, err_span) = match &op.reply {
            ReplySyntax::Simple(ok) => return Some(Reply::Simple(self.value(ok, op.encoding)?)),
            ReplySyntax::Result { ok, err, err_span } => (ok, err, *err_span),
        };
        let ok = self.value(ok, op.encoding);
        let err = match err {
            ErrorSyntax::CLike(ty) => self.sized_ty(ty).map(ErrorType::CLike),
            ErrorSyntax::Complex(ty) => {
                let ty = self.sized_ty(ty);
                if op.encoding != Encoding::Hubpack {
                    let kind = ErrorKind::ComplexNeedsHubpack { encoding: op.encoding };
                    let error = match op.encoding_span {
                        Some(at) => Error::new(kind, err_span).note("the encoding is set here", at),
                        None => Error::new(kind, err_span)
                            .note("this operation has the default encoding", op.name.span),
                    };
                    self.errors.push(error);
                    return None;
                }
                ty.map(ErrorType::Complex)
            }
            ErrorSyntax::ServerDeath => {
                if let Some(at) = op.idempotent {
                    let error = Error::new(ErrorKind::ServerDeathIdempotent, err_span);
                    self.errors.push(error.note("the operation is declared idempotent here", at));
                    return None;
                }
                Some(ErrorType::ServerDeath)
            }
        };
        Some(Reply::Result { ok: ok?, err: err? })
    }
}

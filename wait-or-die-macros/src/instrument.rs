//! Recognises a body that `#[tracing::instrument]` has already rewritten, when it is placed
//! above `#[wait_or_die]` and so expands first.
//!
//! Retrying its whole output would open a span per attempt and, worse, move the arguments into
//! its `async move` future (or `move` closure) once per attempt, which fails to compile for
//! `&mut` and owned arguments. So the retry loop goes where the user's block is: inside the
//! instrumented future of an `async fn`, or after the span is entered in a plain `fn`. One span
//! then covers the whole call, whichever order the attributes are in.

use syn::{Block, Expr, ExprAsync, Local, Pat, PatIdent, Stmt};

/// The name `#[tracing::instrument]` gives the future it wraps an `async fn` body in.
const FUTURE: &str = "__tracing_instrument_future";
/// The locals `#[tracing::instrument]` declares first in a plain `fn`: the span and its guard.
const SPAN: &str = "__tracing_attr_span";
const GUARD: &str = "__tracing_attr_guard";

/// `let __tracing_instrument_future = async move { ... };` in an `async fn`'s body.
pub(crate) fn future(block: &Block) -> Option<&ExprAsync> {
    block.stmts.iter().find_map(|stmt| match stmt {
        Stmt::Local(local) if binds(local, FUTURE) => match &*local.init.as_ref()?.expr {
            Expr::Async(fut) if fut.capture.is_some() => Some(fut),
            _ => None,
        },
        _ => None,
    })
}

/// The mutable twin of [`future`].
pub(crate) fn future_mut(block: &mut Block) -> Option<&mut ExprAsync> {
    block.stmts.iter_mut().find_map(|stmt| match stmt {
        Stmt::Local(local) if binds(local, FUTURE) => match &mut *local.init.as_mut()?.expr {
            Expr::Async(fut) => Some(fut),
            _ => None,
        },
        _ => None,
    })
}

/// The block of the instrumented future, to be replaced by the retry loop. With `err` or `ret`,
/// `#[instrument]` nests the user's block in a second `async move` that it awaits at once; that
/// one loses its `move`, so that each attempt borrows from the outer future instead of moving.
pub(crate) fn future_body_mut(block: &mut Block) -> Option<&mut Block> {
    let fut = future_mut(block)?;
    if let Some(Expr::Await(awaited)) = first_expr_mut(&mut fut.block) {
        if let Expr::Async(inner) = &mut *awaited.base {
            inner.capture = None;
        }
    }
    Some(&mut fut.block)
}

/// In a plain `fn`, the block that starts `let __tracing_attr_span; let __tracing_attr_guard;
/// if .. { <enter the span> }` (after `{}` where `#[instrument]` puts its warnings): the fn's
/// block, or with neither `err` nor `ret` the one block inside it.
pub(crate) fn blocking_body(block: &Block) -> Option<&Block> {
    let skip = leading_empty_blocks(block);
    let block = match &block.stmts[skip..] {
        [Stmt::Expr(Expr::Block(inner), None)] => &inner.block,
        _ => block,
    };
    let skip = leading_empty_blocks(block);
    match &block.stmts[skip..] {
        [Stmt::Local(span), Stmt::Local(guard), Stmt::Expr(Expr::If(_), _), _, ..]
            if binds(span, SPAN) && binds(guard, GUARD) =>
        {
            Some(block)
        }
        _ => None,
    }
}

/// Splits a [`blocking_body`] into the span prelude (left in place) and the rest (returned, to
/// become one attempt). With `err` or `ret`, `#[instrument]` runs the user's block in a `move`
/// closure called at once; it loses its `move`, so that each attempt borrows the arguments.
pub(crate) fn split_blocking_body_mut(block: &mut Block) -> Option<(&mut Block, Vec<Stmt>)> {
    blocking_body(block)?;
    let skip = leading_empty_blocks(block);
    let nested = matches!(&block.stmts[skip..], [Stmt::Expr(Expr::Block(_), None)]);
    let block = if nested {
        let Some(Stmt::Expr(Expr::Block(inner), None)) = block.stmts.last_mut() else {
            return None;
        };
        &mut inner.block
    } else {
        block
    };
    let skip = leading_empty_blocks(block);
    let mut rest = block.stmts.split_off(skip + PRELUDE_STATEMENTS);
    if let Some(Expr::Call(call)) = rest.first_mut().and_then(first_expr_of_stmt_mut) {
        if let Expr::Paren(paren) = &mut *call.func {
            if let Expr::Closure(closure) = &mut *paren.expr {
                closure.capture = None;
            }
        }
    }
    Some((block, rest))
}

/// How many `{}` statements open the block.
fn leading_empty_blocks(block: &Block) -> usize {
    block
        .stmts
        .iter()
        .take_while(
            |stmt| matches!(stmt, Stmt::Expr(Expr::Block(b), _) if b.block.stmts.is_empty()),
        )
        .count()
}

/// `let __tracing_attr_span;`, `let __tracing_attr_guard;` and the `if` that enters the span.
const PRELUDE_STATEMENTS: usize = 3;

fn binds(local: &Local, name: &str) -> bool {
    matches!(&local.pat, Pat::Ident(PatIdent { ident, .. }) if ident == name)
}

/// The expression `#[instrument]` puts first in a wrapper: `let x = <expr>;` or `match <expr> {..}`.
fn first_expr_mut(block: &mut Block) -> Option<&mut Expr> {
    first_expr_of_stmt_mut(block.stmts.first_mut()?)
}

fn first_expr_of_stmt_mut(stmt: &mut Stmt) -> Option<&mut Expr> {
    match stmt {
        Stmt::Local(Local {
            init: Some(init), ..
        }) => Some(&mut *init.expr),
        Stmt::Expr(Expr::Match(m), _) => Some(&mut *m.expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn block(src: &str) -> Block {
        syn::parse_str(src).unwrap()
    }

    #[test]
    fn finds_the_future_of_an_async_fn() {
        let mut b = block(
            "{
                let __tracing_attr_span = span();
                let __tracing_instrument_future = async move {
                    match async move { Ok(s.len()) }.await {
                        Ok(x) => Ok(x),
                        Err(e) => Err(e),
                    }
                };
                __tracing_instrument_future.await
            }",
        );
        assert!(future(&b).is_some());
        let body = future_body_mut(&mut b)
            .unwrap()
            .to_token_stream()
            .to_string();
        assert!(
            body.starts_with("{ match async { Ok (s . len ()) } . await"),
            "{body}"
        );
        assert!(future(&block("{ let x = async move {}; Ok(1) }")).is_none());
    }

    #[test]
    fn splits_a_plain_fn_after_the_span_is_entered() {
        let prelude = "let __tracing_attr_span; let __tracing_attr_guard; if on() { enter(); }";
        let mut plain = block(&format!(
            "{{ #[allow(x)] {{ {prelude} #[warn(x)] {{ Ok(1) }} }} }}"
        ));
        let (_, rest) = split_blocking_body_mut(&mut plain).unwrap();
        assert_eq!(rest.len(), 1);
        let mut with_err = block(&format!(
            "{{ {{}} {prelude} match (move || {{ Ok(s) }})() {{ Ok(x) => Ok(x), Err(e) => Err(e) }} }}"
        ));
        let (prelude_block, rest) = split_blocking_body_mut(&mut with_err).unwrap();
        assert_eq!(prelude_block.stmts.len(), 1 + PRELUDE_STATEMENTS);
        let rest = rest[0].to_token_stream().to_string();
        assert!(rest.starts_with("match (| | { Ok (s) }) ()"), "{rest}");
        assert!(blocking_body(&block("{ let a; let b; Ok(1) }")).is_none());
    }
}

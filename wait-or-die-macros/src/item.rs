//! What kind of function the attribute is on, and where its one attempt is.
//!
//! Four shapes exist: an `async fn`, a plain (blocking) `fn`, a method that `#[async_trait]` has
//! already rewritten into a plain `fn` returning `Box::pin(async move { ... })`, and an `async fn`
//! whose body `#[tracing::instrument]` (placed above `#[wait_or_die]`) has already wrapped in
//! `let __tracing_instrument_future = async move { ... };`. The last two are recognised the way
//! tracing-attributes recognises async-trait: the retry loop goes inside the `async move` future,
//! which takes the arguments once, and each attempt borrows them from it afresh.

use syn::{
    Block, Expr, ExprAsync, ExprCall, ItemFn, Local, Pat, PatIdent, PatType, ReturnType, Stmt, Type,
};

/// How attempts run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `async fn`: attempts are futures, cancellable at a deadline.
    Async,
    /// A plain `fn`: attempts block and cannot be interrupted.
    Blocking,
    /// A method rewritten by `#[async_trait]`: async, with the loop inside the boxed future.
    AsyncTrait,
    /// An `async fn` already wrapped by `#[tracing::instrument]`: the loop goes inside the
    /// instrumented future, so one span covers the whole call.
    Instrumented,
}

/// The name `#[async_trait]` gives the local holding the method's result.
const ASYNC_TRAIT_RESULT: &str = "__ret";
/// The name `#[tracing::instrument]` gives the future it wraps an `async fn` body in.
const INSTRUMENTED_FUTURE: &str = "__tracing_instrument_future";

/// The annotated function and what the expansion needs to know about it.
pub(crate) struct Target {
    pub(crate) item: ItemFn,
    pub(crate) flavor: Flavor,
}

impl Target {
    pub(crate) fn new(item: ItemFn) -> Self {
        let flavor = if item.sig.asyncness.is_some() {
            if instrumented_future(&item.block).is_some() {
                Flavor::Instrumented
            } else {
                Flavor::Async
            }
        } else if async_trait_future(&item.block).is_some() {
            Flavor::AsyncTrait
        } else {
            Flavor::Blocking
        };
        Target { item, flavor }
    }

    /// The type one attempt returns, or `None` when the function returns nothing.
    pub(crate) fn attempt_output(&self) -> Option<&Type> {
        match self.flavor {
            Flavor::AsyncTrait => {
                result_local(async_trait_future(&self.item.block)?).and_then(|l| match &l.pat {
                    Pat::Type(PatType { ty, .. }) => Some(&**ty),
                    _ => None,
                })
            }
            Flavor::Async | Flavor::Blocking | Flavor::Instrumented => {
                match &self.item.sig.output {
                    ReturnType::Default => None,
                    ReturnType::Type(_, ty) => Some(ty),
                }
            }
        }
    }

    pub(crate) fn is_async(&self) -> bool {
        self.flavor != Flavor::Blocking
    }
}

/// The `async move { ... }` of a body that is exactly `Box::pin(async move { ... })`.
fn async_trait_future(block: &Block) -> Option<&ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(ExprCall { func, args, .. }), None)) = block.stmts.last() else {
        return None;
    };
    let Expr::Path(path) = &**func else {
        return None;
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || args.len() != 1 {
        return None;
    }
    match args.first() {
        Some(Expr::Async(fut)) if fut.capture.is_some() => Some(fut),
        _ => None,
    }
}

/// The mutable twin of [`async_trait_future`], for the expansion to rewrite.
fn async_trait_future_mut(block: &mut Block) -> Option<&mut ExprAsync> {
    match block.stmts.last_mut() {
        Some(Stmt::Expr(Expr::Call(ExprCall { args, .. }), None)) => match args.first_mut() {
            Some(Expr::Async(fut)) => Some(fut),
            _ => None,
        },
        _ => None,
    }
}

/// `let __tracing_instrument_future = async move { ... };` in the body.
fn instrumented_future(block: &Block) -> Option<&ExprAsync> {
    block.stmts.iter().find_map(|stmt| match stmt {
        Stmt::Local(Local {
            pat: Pat::Ident(PatIdent { ident, .. }),
            init: Some(init),
            ..
        }) if ident == INSTRUMENTED_FUTURE => match &*init.expr {
            Expr::Async(fut) if fut.capture.is_some() => Some(fut),
            _ => None,
        },
        _ => None,
    })
}

/// The block of the instrumented future, to be replaced by the retry loop. With `err` or `ret`,
/// `#[instrument]` nests the user's block in a second `async move` that it awaits at once; that
/// one loses its `move`, so that each attempt borrows from the outer future instead of moving.
pub(crate) fn instrumented_body_mut(block: &mut Block) -> Option<&mut Block> {
    let fut = instrumented_future_mut(block)?;
    let nested = match fut.block.stmts.first_mut() {
        Some(Stmt::Local(Local {
            init: Some(init), ..
        })) => Some(&mut *init.expr),
        Some(Stmt::Expr(Expr::Match(m), _)) => Some(&mut *m.expr),
        _ => None,
    };
    if let Some(Expr::Await(awaited)) = nested {
        if let Expr::Async(inner) = &mut *awaited.base {
            inner.capture = None;
        }
    }
    Some(&mut fut.block)
}

fn instrumented_future_mut(block: &mut Block) -> Option<&mut ExprAsync> {
    block.stmts.iter_mut().find_map(|stmt| match stmt {
        Stmt::Local(Local {
            pat: Pat::Ident(PatIdent { ident, .. }),
            init: Some(init),
            ..
        }) if ident == INSTRUMENTED_FUTURE => match &mut *init.expr {
            Expr::Async(fut) => Some(fut),
            _ => None,
        },
        _ => None,
    })
}

/// `let __ret: R = { <the user's block> };` inside the boxed future, or inside the future of
/// `#[tracing::instrument]` when that ran between `#[async_trait]` and `#[wait_or_die]`.
fn result_local(fut: &ExprAsync) -> Option<&Local> {
    let block = instrumented_future(&fut.block).map_or(&fut.block, |inner| &inner.block);
    block.stmts.iter().find_map(|stmt| match stmt {
        Stmt::Local(local) if is_result_local(local) => Some(local),
        _ => None,
    })
}

fn is_result_local(local: &Local) -> bool {
    matches!(&local.pat, Pat::Type(PatType { pat, .. })
        if matches!(&**pat, Pat::Ident(PatIdent { ident, .. }) if ident == ASYNC_TRAIT_RESULT))
        && local.init.is_some()
}

/// The initialiser of `#[async_trait]`'s result local: the user's block, to be replaced.
pub(crate) fn async_trait_body_mut(block: &mut Block) -> Option<&mut Expr> {
    let fut = async_trait_future_mut(block)?;
    let block = if instrumented_future(&fut.block).is_some() {
        &mut instrumented_future_mut(&mut fut.block)?.block
    } else {
        &mut fut.block
    };
    block.stmts.iter_mut().find_map(|stmt| match stmt {
        Stmt::Local(local) if is_result_local(local) => {
            local.init.as_mut().map(|init| &mut *init.expr)
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(src: &str) -> Target {
        Target::new(syn::parse_str(src).unwrap())
    }

    #[test]
    fn tells_the_shapes_apart() {
        assert!(target("async fn f() -> Result<(), E> {}").flavor == Flavor::Async);
        assert!(target("fn f() -> Result<(), E> {}").flavor == Flavor::Blocking);
        let boxed =
            "fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = Result<u8, E>> + Send + 'a>> {
            Box::pin(async move {
                let __self = self;
                let __ret: Result<u8, E> = { Ok(1) };
                #[allow(unreachable_code)]
                __ret
            })
        }";
        let t = target(boxed);
        assert!(t.flavor == Flavor::AsyncTrait);
        let out = t.attempt_output().unwrap();
        assert_eq!(quote::quote!(#out).to_string(), "Result < u8 , E >");
        let mut item = t.item;
        assert!(async_trait_body_mut(&mut item.block).is_some());
    }

    #[test]
    fn finds_the_future_of_tracing_instrument() {
        let wrapped = "async fn f(s: String) -> Result<u8, E> {
            let __tracing_attr_span = span();
            let __tracing_instrument_future = async move {
                match async move { Ok(s.len()) }.await {
                    Ok(x) => Ok(x),
                    Err(e) => Err(e),
                }
            };
            __tracing_instrument_future.await
        }";
        let mut t = target(wrapped);
        assert!(t.flavor == Flavor::Instrumented);
        let body = instrumented_body_mut(&mut t.item.block).unwrap();
        let text = quote::quote!(#body).to_string();
        assert!(
            text.starts_with("{ match async { Ok (s . len ()) } . await"),
            "{text}"
        );
        assert!(
            target("async fn f() -> Result<u8, E> { let x = async move {}; Ok(1) }").flavor
                == Flavor::Async
        );
    }

    #[test]
    fn a_plain_fn_returning_a_boxed_future_stays_blocking() {
        let t = target("fn f() -> Pin<Box<dyn Future<Output = ()>>> { Box::pin(async {}) }");
        assert!(t.flavor == Flavor::Blocking);
    }
}

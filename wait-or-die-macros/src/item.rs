//! What kind of function the attribute is on, and where its one attempt is.
//!
//! The shapes are an `async fn`, a plain (blocking) `fn`, and a method that `#[async_trait]` has
//! already rewritten into a plain `fn` returning `Box::pin(async move { ... })`, recognised the
//! way tracing-attributes recognises it: the retry loop goes inside the boxed future, which takes
//! the arguments once, and each attempt borrows them from it afresh. Bodies that
//! `#[tracing::instrument]` has already rewritten are recognised in `instrument.rs`.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{
    Block, Expr, ExprAsync, ExprCall, ItemFn, Local, Pat, PatIdent, PatType, ReturnType, Stmt, Type,
};

use crate::instrument;

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
    /// A plain `fn` already wrapped by `#[tracing::instrument]`: the loop goes after the span
    /// is entered, so one span covers the whole call.
    InstrumentedBlocking,
}

/// The name `#[async_trait]` gives the local holding the method's result.
const ASYNC_TRAIT_RESULT: &str = "__ret";
/// The name `#[async_trait]` moves `self` into, at the top of the boxed future, before the
/// retry loop; it renames `self` in the body the same way.
const ASYNC_TRAIT_SELF: &str = "__self";

/// The annotated function and what the expansion needs to know about it.
pub(crate) struct Target {
    pub(crate) item: ItemFn,
    pub(crate) flavor: Flavor,
}

impl Target {
    pub(crate) fn new(item: ItemFn) -> Self {
        let flavor = if item.sig.asyncness.is_some() {
            if instrument::future(&item.block).is_some() {
                Flavor::Instrumented
            } else {
                Flavor::Async
            }
        } else if async_trait_future(&item.block).is_some() {
            Flavor::AsyncTrait
        } else if instrument::blocking_body(&item.block).is_some() {
            Flavor::InstrumentedBlocking
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
            Flavor::Async
            | Flavor::Blocking
            | Flavor::Instrumented
            | Flavor::InstrumentedBlocking => match &self.item.sig.output {
                ReturnType::Default => None,
                ReturnType::Type(_, ty) => Some(ty),
            },
        }
    }

    /// Rewrites an argument's expression (`policy = self.policy`) for where the loop runs: in an
    /// `#[async_trait]` method `self` has been moved into `__self` by then, as tracing-attributes
    /// does for its `fields`.
    pub(crate) fn adapt_argument(&self, expr: &Expr) -> Expr {
        let has_receiver = self.item.sig.receiver().is_some();
        if self.flavor != Flavor::AsyncTrait || !has_receiver {
            return expr.clone();
        }
        let tokens = rename_self(expr.to_token_stream());
        syn::parse2(tokens).expect("renaming an identifier keeps an expression")
    }

    pub(crate) fn is_async(&self) -> bool {
        !matches!(self.flavor, Flavor::Blocking | Flavor::InstrumentedBlocking)
    }
}

/// Replaces every `self` with `__self`, keeping its span so errors still point at the user's token.
fn rename_self(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) if ident == "self" => {
                TokenTree::Ident(Ident::new(ASYNC_TRAIT_SELF, ident.span()))
            }
            TokenTree::Group(group) => {
                let mut renamed = Group::new(group.delimiter(), rename_self(group.stream()));
                renamed.set_span(group.span());
                TokenTree::Group(renamed)
            }
            other => other,
        })
        .collect()
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

/// `let __ret: R = { <the user's block> };` inside the boxed future, or inside the future of
/// `#[tracing::instrument]` when that ran between `#[async_trait]` and `#[wait_or_die]`.
fn result_local(fut: &ExprAsync) -> Option<&Local> {
    let block = instrument::future(&fut.block).map_or(&fut.block, |inner| &inner.block);
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
    let block = if instrument::future(&fut.block).is_some() {
        &mut instrument::future_mut(&mut fut.block)?.block
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
    fn arguments_read_self_through_async_trait_s_binding() {
        let expr: Expr = syn::parse_str("pick(self.policy, |e| self.fatal(e), [self])").unwrap();
        let boxed = "fn f(self: Arc<Self>) -> Pin<Box<dyn Future<Output = Result<u8, E>> + Send>> {
            Box::pin(async move { let __self = self; let __ret: Result<u8, E> = { Ok(1) }; __ret })
        }";
        let adapted = target(boxed).adapt_argument(&expr);
        assert_eq!(
            adapted.to_token_stream().to_string(),
            "pick (__self . policy , | e | __self . fatal (e) , [__self])"
        );
        let plain = target("async fn f(self: Arc<Self>) -> Result<u8, E> { Ok(1) }");
        assert_eq!(
            plain.adapt_argument(&expr).to_token_stream().to_string(),
            expr.to_token_stream().to_string()
        );
    }

    #[test]
    fn a_plain_fn_returning_a_boxed_future_stays_blocking() {
        let t = target("fn f() -> Pin<Box<dyn Future<Output = ()>>> { Box::pin(async {}) }");
        assert!(t.flavor == Flavor::Blocking);
    }
}

//! The `#[wait_or_die]` attribute macro. Use it through the `wait-or-die` crate.

use proc_macro::TokenStream;

/// Retries the annotated function (placeholder until the expansion lands).
#[proc_macro_attribute]
pub fn wait_or_die(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

//! Expansion snapshots of representative inputs, formatted with prettyplease.
//!
//! Run `UPDATE_EXPECT=1 cargo test -p lsaa-macros` to accept a deliberate change, then read
//! the diff of `lsaa-macros/snapshots/` like any other code change.

use expect_test::{ExpectFile, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

fn pretty(tokens: &TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("expansion is not a valid file: {error}\n{tokens}"),
    }
}

fn check(args: TokenStream, item: TokenStream, expect: &ExpectFile) {
    expect.assert_eq(&pretty(&crate::aggregate2(args, item)));
}

#[test]
fn turnstile_enum() {
    check(
        quote!(events(CoinInserted, PassedThrough), error = TurnstileError),
        quote! {
            #[derive(Debug, Clone, PartialEq)]
            pub enum Turnstile {
                #[initial]
                #[on(CoinInserted => Unlocked)]
                Locked(Locked),
                #[on(PassedThrough => Locked, CoinInserted => Unlocked)]
                Unlocked(Unlocked),
            }
        },
        &expect_file!["../snapshots/turnstile_enum.rs"],
    );
}

#[test]
fn turnstile_impl() {
    check(
        quote!(),
        quote! {
            impl Turnstile {
                fn unlock(state: Locked, event: &CoinInserted) -> Unlocked {
                    Unlocked { coins: state.coins + event.cents }
                }
                fn keep(state: Unlocked, event: &CoinInserted) -> Unlocked {
                    Unlocked { coins: state.coins + event.cents }
                }
                fn lock(state: Unlocked, _: &PassedThrough) -> Locked {
                    Locked { coins: state.coins }
                }
                #[command]
                fn insert_coin(_: &Locked, command: InsertCoin) -> Result<CoinInserted, TurnstileError> {
                    Ok(CoinInserted { cents: command.cents })
                }
                #[command]
                fn push(_: &Unlocked, _: Push) -> PassedThrough {
                    PassedThrough
                }
            }
        },
        &expect_file!["../snapshots/turnstile_impl.rs"],
    );
}

#[test]
fn data_less_states_and_shared_arrows() {
    check(
        quote!(events(Opened, Closed, Cancelled)),
        quote! {
            enum Door {
                #[initial]
                #[on(Opened => Open)]
                Shut,
                #[on(Closed => Shut)]
                Open,
                #[terminal]
                Gone,
            }
        },
        // `Gone` is unreachable: the error is reported and the machine is still generated,
        // so the rest of the user's code keeps compiling.
        &expect_file!["../snapshots/door_unreachable_still_expands.rs"],
    );
    check(
        quote!(events(Opened, Closed, Cancelled)),
        quote! {
            #[on(Shut | Open: Cancelled => Gone)]
            enum Door {
                #[initial]
                #[on(Opened => Open)]
                Shut,
                #[on(Closed => Shut)]
                Open,
                #[terminal]
                Gone,
            }
        },
        &expect_file!["../snapshots/door_enum.rs"],
    );
}

#[test]
fn emitter_handler() {
    check(
        quote!(),
        quote! {
            impl Basket {
                #[command]
                fn remove(state: &Open, command: Remove, out: &mut Emit<Self, Open>) -> Result<(), BasketError> {
                    out.emit(Removed { sku: command.sku });
                    Ok(())
                }
            }
        },
        &expect_file!["../snapshots/emitter_impl.rs"],
    );
}

#[test]
fn errors_are_reported_together_and_the_enum_is_still_emitted() {
    let out = pretty(&crate::aggregate2(
        quote!(events(A, B, A), eror = X),
        quote! {
            enum Broken {
                #[on(A => Nowhere)]
                First,
                Second { field: u8 },
            }
        },
    ));
    // The user's enum comes back so that one mistake does not cascade.
    assert!(out.contains("enum Broken"), "{out}");
    for message in [
        "unknown key `eror`",
        "state `Second` must be data-less or hold exactly one type",
    ] {
        assert!(out.contains(message), "missing {message:?} in:\n{out}");
    }
}

#[test]
fn never_panics_on_garbage() {
    for (args, item) in [
        (
            quote!(events()),
            quote!(
                enum E {}
            ),
        ),
        (
            quote!(events(A)),
            quote!(
                enum E {
                    #[on]
                    A,
                }
            ),
        ),
        (
            quote!(events(A)),
            quote!(
                enum E {
                    #[on(=> )]
                    A,
                }
            ),
        ),
        (
            quote!(events(A)),
            quote!(
                enum E {
                    #[on(A =>)]
                    A,
                }
            ),
        ),
        (
            quote!(events(A)),
            quote!(
                enum E {
                    #[initial]
                    #[initial]
                    A,
                }
            ),
        ),
        (quote!(), quote!(impl E { fn f(); })),
        (quote!(), quote!(impl E { #[command] fn f(self) {} })),
        (
            quote!(),
            quote!(
                impl<T> E<T> {
                    fn f(a: T, b: &T) -> T {
                        a
                    }
                }
            ),
        ),
        (quote!(), quote!(impl dyn E {})),
        (
            quote!(x),
            quote!(
                struct S;
            ),
        ),
        (quote!(), quote!(not an item)),
    ] {
        let _ = crate::aggregate2(args, item);
    }
}

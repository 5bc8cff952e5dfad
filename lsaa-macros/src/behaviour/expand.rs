//! Generate: evolve and handler trait impls, the command enum and the decide dispatch.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::{Evolve, Failure, Handler, Input, Output};

/// The user's impl block followed by everything generated for it.
pub(crate) fn expand(input: &Input) -> TokenStream {
    let item = &input.item;
    let evolves = input.evolves.iter().map(|e| evolve_impl(input, e));
    let handlers = input.handlers.iter().map(|h| handler_impl(input, h));
    let (command_enum, command_impls) = command_enum(input);
    let decide = decide_impl(input);
    quote! {
        #item
        #command_enum
        const _: () = {
            #(#evolves)*
            #(#handlers)*
            #command_impls
            #decide
        };
    }
}

/// What is emitted when the block cannot be modelled: the block alone.
pub(crate) fn fallback(item: &syn::ItemImpl) -> TokenStream {
    quote!(#item)
}

fn evolve_impl(input: &Input, evolve: &Evolve) -> TokenStream {
    let p = quote!(::lsaa::__private);
    let aggregate = &input.aggregate;
    let Evolve {
        ident,
        from,
        event,
        to,
        span,
        broken,
    } = evolve;
    if *broken {
        // The signature is already reported. A stand-in keeps the enum's dispatch from also
        // reporting the arrow as lacking an evolve function; it can never run, since the
        // crate does not compile.
        return if let Some(to) = to {
            quote! {
                #[automatically_derived]
                impl #p::EvolveArrow<#from, #event, #to> for #aggregate {
                    fn evolve(_: #from, _: &#event) -> #to {
                        ::core::unreachable!()
                    }
                }
            }
        } else {
            quote! {
                #[automatically_derived]
                impl<__LsaaTarget> #p::EvolveArrow<#from, #event, __LsaaTarget> for #aggregate {
                    fn evolve(_: #from, _: &#event) -> __LsaaTarget {
                        ::core::unreachable!()
                    }
                }
            }
        };
    }
    let Some(to) = to else {
        return quote!();
    };
    // rustc puts a failed bound on the span of the type it is about: give the aggregate's
    // name the span of the function's name so the error points at the evolve function.
    let at_fn = syn::Ident::new(&aggregate.to_string(), ident.span());
    let check = quote_spanned! {*span=>
        const _: () = #p::assert_arrow::<#at_fn, #from, #event, #to>();
    };
    quote! {
        #check
        #[automatically_derived]
        impl #p::EvolveArrow<#from, #event, #to> for #aggregate {
            #[inline]
            fn evolve(__lsaa_state: #from, __lsaa_event: &#event) -> #to {
                #aggregate::#ident(__lsaa_state, __lsaa_event)
            }
        }
    }
}

/// `call`, with a handler's error converted into the aggregate's error. The conversion is
/// spanned at the handler's error type so that a missing `From` points there.
fn convert_error(input: &Input, handler: &Handler, call: &TokenStream) -> TokenStream {
    let p = quote!(::lsaa::__private);
    let aggregate = &input.aggregate;
    match &handler.error {
        Failure::Never => call.clone(),
        Failure::Unnamed => quote!(#call?),
        Failure::With(error) => {
            let convert = quote_spanned! {error.span()=>
                #p::into_aggregate_error::<#aggregate, #error>(__lsaa_error)
            };
            quote! {
                match #call {
                    ::core::result::Result::Ok(__lsaa_value) => __lsaa_value,
                    ::core::result::Result::Err(__lsaa_error) => {
                        return ::core::result::Result::Err(#convert);
                    }
                }
            }
        }
    }
}

fn handler_impl(input: &Input, handler: &Handler) -> TokenStream {
    let p = quote!(::lsaa::__private);
    let aggregate = &input.aggregate;
    let Handler {
        ident,
        state,
        command,
        output,
        ..
    } = handler;
    let body = match output {
        Output::One(event) => {
            let emit = quote_spanned! {event.span()=>
                #p::emit_one::<#aggregate, #state, #event>(__lsaa_event, __lsaa_out);
            };
            let call = convert_error(
                input,
                handler,
                &quote!(#aggregate::#ident(__lsaa_state, __lsaa_command)),
            );
            quote! {
                let __lsaa_event: #event = #call;
                #emit
            }
        }
        Output::Nothing => {
            let call = convert_error(
                input,
                handler,
                &quote!(#aggregate::#ident(__lsaa_state, __lsaa_command)),
            );
            quote! {
                let _ = __lsaa_out;
                #call;
            }
        }
        Output::Emitter => {
            let call = convert_error(input, handler, &quote!(__lsaa_result));
            quote! {
                let mut __lsaa_emit = #p::Emit::<#aggregate, #state>::__new(::core::mem::take(__lsaa_out));
                let __lsaa_result = #aggregate::#ident(__lsaa_state, __lsaa_command, &mut __lsaa_emit);
                *__lsaa_out = __lsaa_emit.__into_inner();
                #call;
            }
        }
    };
    // Whether `state` is a state of the aggregate is checked where the dispatch projects
    // onto it (`StateOf::project`), spanned at the user's type: once is enough.
    quote! {
        #[automatically_derived]
        impl #p::HandledIn<#aggregate, #state> for #command {
            #[inline]
            fn handle(
                __lsaa_state: &#state,
                __lsaa_command: Self,
                __lsaa_out: &mut ::std::vec::Vec<<#aggregate as #p::Aggregate>::Event>,
            ) -> ::core::result::Result<(), <#aggregate as #p::Aggregate>::Error> {
                #body
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// The distinct commands, in order of first handler: (variant name, type).
fn commands(input: &Input) -> Vec<(&syn::Ident, &syn::Type)> {
    let mut commands: Vec<(&syn::Ident, &syn::Type)> = Vec::new();
    for handler in &input.handlers {
        if !commands
            .iter()
            .any(|(ident, _)| **ident == handler.command_ident)
        {
            commands.push((&handler.command_ident, &handler.command));
        }
    }
    commands
}

fn command_enum_ident(input: &Input) -> syn::Ident {
    format_ident!("{}Command", input.aggregate)
}

fn command_enum(input: &Input) -> (TokenStream, TokenStream) {
    let p = quote!(::lsaa::__private);
    let aggregate = &input.aggregate;
    let name = command_enum_ident(input);
    let commands = commands(input);
    let idents: Vec<_> = commands.iter().map(|(ident, _)| *ident).collect();
    let types: Vec<_> = commands.iter().map(|(_, ty)| *ty).collect();
    let names: Vec<String> = idents.iter().map(ToString::to_string).collect();
    let doc = format!(
        "Every command of [`{aggregate}`], generated by `#[aggregate]` from its `#[command]` handlers."
    );
    let variant_docs = idents.iter().map(|i| format!("The command [`{i}`]."));
    let name_fn = if idents.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(Self::#idents(_) => #names,)* })
    };
    let vis = &input.command_vis;
    // Spanned at each command's type, so that a command without `Debug` is reported there.
    let debug = crate::machine::transparent_debug(&name, &idents, Some(&types));
    let enum_tokens = quote! {
        #[doc = #doc]
        #vis enum #name {
            #(#[doc = #variant_docs] #idents(#types),)*
        }
        #debug
    };
    let clone_body = if idents.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self {
            #(Self::#idents(__lsaa_command) => Self::#idents(::core::clone::Clone::clone(__lsaa_command)),)*
        })
    };
    let impls = quote! {
        // `Clone` when every command is `Clone` (the repository retries with a clone). The
        // higher-ranked bounds keep the impl from being an error when one is not.
        #[automatically_derived]
        impl ::core::clone::Clone for #name
        where
            #(for<'__lsaa> #types: ::core::clone::Clone,)*
        {
            fn clone(&self) -> Self {
                #clone_body
            }
        }

        #(
            #[automatically_derived]
            impl ::core::convert::From<#types> for #name {
                #[inline]
                fn from(__lsaa_command: #types) -> Self {
                    Self::#idents(__lsaa_command)
                }
            }
        )*

        #[automatically_derived]
        impl #p::CommandSet for #name {
            const NAMES: &'static [&'static str] = &[#(#names),*];

            fn name(&self) -> &'static str {
                #name_fn
            }
        }
    };
    (enum_tokens, impls)
}

fn decide_impl(input: &Input) -> TokenStream {
    let p = quote!(::lsaa::__private);
    let aggregate = &input.aggregate;
    let name = command_enum_ident(input);
    let arms = commands(input).into_iter().map(|(ident, ty)| {
        let command_name = ident.to_string();
        let states = input
            .handlers
            .iter()
            .filter(|h| h.command_ident == *ident)
            .map(|h| &h.state);
        quote! {
            #name::#ident(__lsaa_command) => {
                #(
                    if let ::core::option::Option::Some(__lsaa_state) = <#states as #p::StateOf<#aggregate>>::project(self) {
                        <#ty as #p::HandledIn<#aggregate, #states>>::handle(__lsaa_state, __lsaa_command, __lsaa_out)
                    } else
                )*
                {
                    return ::core::result::Result::Err(#p::CommandError::NotHandled {
                        aggregate: <#aggregate as #p::Aggregate>::NAME,
                        state: <#aggregate as #p::Aggregate>::state_name(self),
                        command: #command_name,
                    });
                }
            }
        }
    });
    let body = if input.handlers.is_empty() {
        quote!(match __lsaa_command {})
    } else {
        quote! {
            let __lsaa_start = __lsaa_out.len();
            let __lsaa_result: ::core::result::Result<(), <#aggregate as #p::Aggregate>::Error> =
                match __lsaa_command { #(#arms)* };
            __lsaa_result.map_err(|__lsaa_error| {
                __lsaa_out.truncate(__lsaa_start);
                #p::CommandError::Rejected(__lsaa_error)
            })
        }
    };
    quote! {
        #[automatically_derived]
        impl #p::Decide for #aggregate {
            type Command = #name;

            #[inline]
            fn decide_into(
                &self,
                __lsaa_command: #name,
                __lsaa_out: &mut ::std::vec::Vec<<#aggregate as #p::Aggregate>::Event>,
            ) -> ::core::result::Result<(), #p::CommandError<<#aggregate as #p::Aggregate>::Error>> {
                #body
            }
        }
    }
}

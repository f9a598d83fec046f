//! `named_enum!`: fieldless enums with a stable kebab-case spelling (`name`, `from_name`, `ALL`,
//! `NAMES`)
//! shared by every enum that appears in scenario files or CSV output.

/// Declares a fieldless enum with `ALL`, `NAMES`, `name()` and `from_name()`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every spelling, in declaration order (for "expected one of …" messages).
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The spelling used in scenario files and CSV output.
            pub fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// Parses a spelling produced by [`Self::name`].
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == name)
            }
        }
    };
}

pub(crate) use named_enum;

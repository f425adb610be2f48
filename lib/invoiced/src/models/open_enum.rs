//! String enums that keep values they do not know.
//!
//! Invoiced adds enum values without versioning (invoice `status` gained `bad_debt` and `disputed`;
//! new event types appear regularly). Failing to parse a whole invoice because of a new status would
//! stop the sync; each enum therefore carries a fallback variant holding the unknown text, which
//! round-trips unchanged.

/// Declares an enum of known wire strings plus a fallback variant holding any other string.
macro_rules! open_enum {
    (
        $(#[$doc:meta])*
        $name:ident, fallback = $fallback:ident {
            $( $(#[$vdoc:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
            /// A value this client does not know yet, kept verbatim.
            $fallback(String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::$fallback(other) => other,
                }
            }

            /// Maps a wire string to its variant; unknown strings become the fallback variant.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )+
                    other => Self::$fallback(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_wire(&text))
            }
        }
    };
}

pub(crate) use open_enum;

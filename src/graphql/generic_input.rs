//! Input objects generic over an entity (`Order<F>`, `ListFilter<F>`,
//! `Comparison<F>`), named after the entity they serve (`PostOrder`,
//! `PostListFilter`, `PostComparison`).
//!
//! async-graphql's `InputObject` derive names a generic input only through a
//! `concrete(...)` list on the struct, which would make the generic module name
//! every concrete type; its `name_type` option is not offered for generic inputs.
//! These helpers let a short hand-written `InputType` impl take its name from the
//! type parameter instead, registering the same schema the derive would.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::registry::{Deprecation, MetaInputValue, MetaType, MetaTypeId, Registry};
use async_graphql::{InputType, InputValueError, Name, Value};

/// One field of a generic input object, as the schema shows it.
pub struct Field {
    name: &'static str,
    description: Option<&'static str>,
    ty: String,
    default: Option<String>,
}

impl Field {
    /// A field of type `T`, registering `T` as the derive does.
    pub fn of<T: InputType>(
        registry: &mut Registry,
        name: &'static str,
        description: Option<&'static str>,
    ) -> Self {
        Field {
            name,
            description,
            ty: T::create_type_info(registry),
            default: None,
        }
    }

    /// The value the field takes when the client leaves it out, as the schema shows it.
    pub fn default<T: InputType>(mut self, value: &T) -> Self {
        self.default = Some(value.to_value().to_string());
        self
    }
}

/// Registers the input object `T` under `name` with `fields`; returns its type name.
pub fn register<T: InputType>(
    registry: &mut Registry,
    name: Cow<'static, str>,
    description: &'static str,
    fields: fn(&mut Registry) -> Vec<Field>,
) -> String {
    registry.create_input_type::<T, _>(MetaTypeId::InputObject, |registry| MetaType::InputObject {
        name: name.to_string(),
        description: Some(description.to_owned()),
        input_fields: fields(registry)
            .into_iter()
            .map(|f| {
                let value = MetaInputValue {
                    name: f.name.to_owned(),
                    description: f.description.map(str::to_owned),
                    ty: f.ty,
                    deprecation: Deprecation::NoDeprecated,
                    default_value: f.default,
                    visible: None,
                    inaccessible: false,
                    tags: Vec::new(),
                    is_secret: false,
                    directive_invocations: Vec::new(),
                };
                (f.name.to_owned(), value)
            })
            .collect(),
        visible: None,
        inaccessible: false,
        tags: Vec::new(),
        rust_typename: Some(std::any::type_name::<T>()),
        oneof: false,
        directive_invocations: Vec::new(),
    })
}

/// The fields of an input object value; anything else is refused as the derive
/// refuses it.
pub fn fields<T: InputType>(
    value: Option<Value>,
) -> Result<IndexMap<Name, Value>, InputValueError<T>> {
    match value {
        Some(Value::Object(fields)) => Ok(fields),
        other => Err(InputValueError::expected_type(other.unwrap_or_default())),
    }
}

/// Field `name` of an input object value, parsed as `T`.
pub fn field<T: InputType, O: InputType>(
    fields: &IndexMap<Name, Value>,
    name: &str,
) -> Result<T, InputValueError<O>> {
    T::parse(fields.get(name).cloned()).map_err(InputValueError::propagate)
}

/// Field `name`, or `default` when the client left it out (an explicit `null` is
/// parsed, and refused where the type is not nullable, as the derive does).
pub fn field_or<T: InputType, O: InputType>(
    fields: &IndexMap<Name, Value>,
    name: &str,
    default: T,
) -> Result<T, InputValueError<O>> {
    match fields.get(name) {
        Some(value) => T::parse(Some(value.clone())).map_err(InputValueError::propagate),
        None => Ok(default),
    }
}

/// An input object value from its fields, in the schema's order.
pub fn value<const N: usize>(fields: [(&'static str, Value); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(name, value)| (Name::new(name), value))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use async_graphql::{InputType, Value, value};

    use crate::graphql::filter::{CompareOp, ListFilter};
    use crate::graphql::pagination::{Order, OrderDirection};
    use crate::graphql::types::{PostFilter, PostOrderField};

    #[test]
    fn a_generic_input_parses_and_prints_as_the_derive_did() {
        let order = Order::<PostOrderField>::parse(Some(value!({ "field": "TITLE" }))).unwrap();
        assert_eq!(order.direction, OrderDirection::Asc, "the default applies");
        assert_eq!(order.nulls, None);
        assert_eq!(
            order.to_value(),
            value!({ "field": "TITLE", "direction": "ASC", "nulls": null })
        );
        assert_eq!(Order::<PostOrderField>::type_name(), "PostOrder");
        assert_eq!(ListFilter::<PostFilter>::type_name(), "PostListFilter");

        // An explicit null where a default exists is refused, as for any non-null type.
        let null_direction = value!({ "field": "TITLE", "direction": null });
        let err = Order::<PostOrderField>::parse(Some(null_direction)).unwrap_err();
        assert!(
            err.into_server_error(Default::default())
                .message
                .contains("PostOrder")
        );
        // Not an object at all.
        assert!(Order::<PostOrderField>::parse(Some(Value::from(1))).is_err());
        assert!(ListFilter::<PostFilter>::parse(None).is_err());

        let comparison = crate::graphql::filter::Comparison::<PostOrderField>::parse(Some(
            value!({ "left": "UPDATED_AT", "op": "GT", "right": "PUBLISHED_AT" }),
        ))
        .unwrap();
        assert_eq!(comparison.op, CompareOp::Gt);
    }
}

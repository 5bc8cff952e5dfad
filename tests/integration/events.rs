//! The generated event enum: `From` each event, stable names and versions, and its serde form
//! `{"<stable name>": <payload>}`.

use lsaa::prelude::*;
use serde_json::json;

use crate::basket::{added, changed, checked_out, removed};
use crate::domains::basket::{
    BasketAbandoned, BasketCheckedOut, BasketEvent, ItemAdded, ItemRemoved, QuantityChanged,
};
use crate::domains::turnstile::{CoinInserted, PassedThrough, TurnstileEvent};

#[test]
fn the_event_derive_records_name_and_version() {
    assert_eq!(<ItemAdded as Event>::NAME, "basket.item-added");
    assert_eq!(<ItemAdded as Event>::VERSION, 1);
    assert_eq!(<QuantityChanged as Event>::NAME, "basket.quantity-changed");
    assert_eq!(<CoinInserted as Event>::NAME, "turnstile.coin-inserted");
    // No `version = ...`: the first version.
    assert_eq!(<PassedThrough as Event>::VERSION, 1);
}

#[test]
fn the_event_enum_lists_the_stable_names_in_declaration_order() {
    assert_eq!(
        <BasketEvent as EventSet>::NAMES,
        [
            "basket.item-added",
            "basket.quantity-changed",
            "basket.item-removed",
            "basket.checked-out",
            "basket.abandoned",
        ]
    );
    assert_eq!(
        <TurnstileEvent as EventSet>::NAMES,
        ["turnstile.coin-inserted", "turnstile.passed-through"]
    );
}

#[test]
fn each_event_knows_its_name_version_and_type() {
    let event = removed("tea");
    assert_eq!(event.name(), "basket.item-removed");
    assert_eq!(event.version(), 1);
    assert_eq!(event.type_name(), "ItemRemoved");
    let event = BasketEvent::from(BasketAbandoned);
    assert_eq!(event, BasketEvent::BasketAbandoned(BasketAbandoned));
    assert_eq!(event.name(), "basket.abandoned");
    assert_eq!(event.type_name(), "BasketAbandoned");
}

#[test]
fn events_serialize_tagged_by_their_stable_name() {
    assert_eq!(
        serde_json::to_value(added("tea", 2, 450)).unwrap(),
        json!({"basket.item-added": {"sku": "tea", "quantity": 2, "unit_price_cents": 450}})
    );
    assert_eq!(
        serde_json::to_value(changed("tea", 3)).unwrap(),
        json!({"basket.quantity-changed": {"sku": "tea", "quantity": 3}})
    );
    assert_eq!(
        serde_json::to_value(checked_out(900)).unwrap(),
        json!({"basket.checked-out": {"total_cents": 900}})
    );
    assert_eq!(
        serde_json::to_string(&BasketEvent::from(BasketAbandoned)).unwrap(),
        r#"{"basket.abandoned":null}"#
    );
    assert_eq!(
        serde_json::to_string(&TurnstileEvent::from(CoinInserted { cents: 50 })).unwrap(),
        r#"{"turnstile.coin-inserted":{"cents":50}}"#
    );
}

#[test]
fn events_deserialize_from_their_stable_name() {
    let event: BasketEvent =
        serde_json::from_str(r#"{"basket.item-removed": {"sku": "mug"}}"#).unwrap();
    assert_eq!(
        event,
        BasketEvent::ItemRemoved(ItemRemoved {
            sku: "mug".to_owned()
        })
    );
    let event: BasketEvent = serde_json::from_str(r#"{"basket.abandoned": null}"#).unwrap();
    assert_eq!(event, BasketAbandoned.into());
}

#[test]
fn every_event_round_trips() {
    let events = [
        added("tea", 2, 450),
        changed("tea", 3),
        removed("tea"),
        BasketCheckedOut { total_cents: 1 }.into(),
        BasketAbandoned.into(),
    ];
    for event in events {
        let json = serde_json::to_string(&event).unwrap();
        let back: BasketEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event, "{json}");
    }
    let json = serde_json::to_string(&events_vec()).unwrap();
    let back: Vec<TurnstileEvent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, events_vec());
}

#[test]
fn events_round_trip_through_a_format_that_writes_the_variant_index() {
    let events = [
        added("tea", 2, 450),
        changed("tea", 3),
        removed("tea"),
        BasketCheckedOut { total_cents: 1 }.into(),
        BasketAbandoned.into(),
    ];
    for event in events {
        let bytes = postcard::to_allocvec(&event).unwrap();
        let back: BasketEvent = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, event);
    }
    // An index beyond the declared events is an error, not a panic.
    let error = postcard::from_bytes::<BasketEvent>(&[99, 0]).unwrap_err();
    assert!(!error.to_string().is_empty());
}

fn events_vec() -> Vec<TurnstileEvent> {
    vec![CoinInserted { cents: 5 }.into(), PassedThrough.into()]
}

#[test]
fn an_unknown_name_is_refused_with_the_known_names() {
    let error = serde_json::from_str::<BasketEvent>(r#"{"basket.teleported": {}}"#).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "unknown variant `basket.teleported`, expected one of `basket.item-added`, `basket.quantity-changed`, `basket.item-removed`, `basket.checked-out`, `basket.abandoned`"
        ),
        "{message}"
    );
}

#[test]
fn the_rust_type_name_is_not_a_stored_name() {
    let error =
        serde_json::from_str::<BasketEvent>(r#"{"ItemRemoved": {"sku": "mug"}}"#).unwrap_err();
    assert!(
        error.to_string().contains("unknown variant `ItemRemoved`"),
        "{error}"
    );
}

#[test]
fn a_payload_of_the_wrong_shape_is_refused() {
    let error =
        serde_json::from_str::<BasketEvent>(r#"{"basket.item-removed": {"sku": 7}}"#).unwrap_err();
    assert!(
        error.to_string().contains("invalid type: integer `7`"),
        "{error}"
    );
    let error = serde_json::from_str::<BasketEvent>(r#"{"basket.checked-out": {}}"#).unwrap_err();
    assert!(
        error.to_string().contains("missing field `total_cents`"),
        "{error}"
    );
}

#[test]
fn an_event_is_an_object_with_one_key() {
    assert!(serde_json::from_str::<BasketEvent>(r#""basket.abandoned""#).is_err());
    assert!(serde_json::from_str::<BasketEvent>("[]").is_err());
    assert!(serde_json::from_str::<BasketEvent>("{}").is_err());
}

#[test]
fn the_payload_alone_serializes_without_the_name() {
    let mut out = Vec::new();
    added("tea", 1, 450)
        .serialize_payload(&mut serde_json::Serializer::new(&mut out))
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"sku":"tea","quantity":1,"unit_price_cents":450}"#
    );
    let mut deserializer = serde_json::Deserializer::from_str(r#"{"total_cents": 12}"#);
    let event = BasketEvent::deserialize_payload("basket.checked-out", &mut deserializer).unwrap();
    assert_eq!(event, checked_out(12));
}

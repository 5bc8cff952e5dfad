//! The handler shapes: one event, an emitter with several events or none, validation only;
//! and how `decide_into` treats the caller's buffer.

use lsaa::prelude::*;

use crate::domains::door::{
    CloseDoor, CountAndFail, Door, DoorClosed, DoorError, DoorEvent, DoorOpened, Knock, Knocked,
    OpenDoor, Peek,
};

#[test]
fn an_emitter_can_emit_several_events() {
    Door::given_nothing()
        .when(Knock { times: 3 })
        .then([Knocked.into(), Knocked.into(), Knocked.into()])
        .when(OpenDoor)
        .then([DoorOpened.into()]);
}

#[test]
fn an_emitter_can_emit_nothing() {
    Door::given_nothing()
        .when(Knock { times: 0 })
        .then_nothing()
        .when(Knock { times: 0 })
        .then([]);
}

#[test]
fn a_validation_only_handler_emits_nothing_or_fails() {
    Door::given_nothing()
        .when(Peek { light: true })
        .then_nothing();
    Door::given_nothing()
        .when(Peek { light: false })
        .then_err(DoorError::TooDark);
    Door::given([DoorOpened.into()])
        .when(Peek { light: true })
        .then_refused();
}

#[test]
fn a_single_event_handler_without_result() {
    Door::given([DoorOpened.into()])
        .when(CloseDoor)
        .then_state(Door::Closed);
}

#[test]
fn events_without_an_event_attribute_are_stored_under_their_type_name() {
    assert_eq!(<DoorOpened as Event>::NAME, "DoorOpened");
    assert_eq!(<Knocked as Event>::VERSION, 1);
    assert_eq!(
        <DoorEvent as EventSet>::NAMES,
        ["DoorOpened", "DoorClosed", "Knocked"]
    );
    assert_eq!(
        serde_json::to_string(&DoorEvent::from(DoorClosed)).unwrap(),
        r#"{"DoorClosed":null}"#
    );
}

#[test]
fn a_failing_emitter_leaves_the_callers_buffer_as_it_was() {
    let door = Door::replay(&[DoorOpened.into()]).unwrap();
    let mut out = vec![DoorEvent::from(Knocked)];
    let error = door.decide_into(CountAndFail.into(), &mut out).unwrap_err();
    assert!(matches!(
        error,
        CommandError::Rejected(DoorError::Emitted(_))
    ));
    assert_eq!(out, [DoorEvent::from(Knocked)]);
}

#[test]
fn emitted_counts_the_events_of_this_handler_call() {
    let door = Door::replay(&[DoorOpened.into()]).unwrap();
    assert_eq!(
        door.decide(CountAndFail),
        Err(CommandError::Rejected(DoorError::Emitted(1)))
    );
}

#[test]
fn emitted_ignores_events_already_in_the_callers_buffer() {
    let door = Door::replay(&[DoorOpened.into()]).unwrap();
    let mut out = vec![DoorEvent::from(Knocked), DoorEvent::from(Knocked)];
    // Documented: "The events emitted so far by this handler call." Actual: 3.
    assert_eq!(
        door.decide_into(CountAndFail.into(), &mut out),
        Err(CommandError::Rejected(DoorError::Emitted(1)))
    );
}

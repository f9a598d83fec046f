//! PINTS ratings on a record (Dias et al., J Thorac Cardiovasc Surg 2023): optional, on the
//! tool's scale, and records written before they existed still load.

use perfuse_record::Record;
use perfuse_record::model::Pints;

const CASE: &str = include_str!("data/adult_cabg.toml");

#[test]
fn a_record_without_pints_loads_and_one_with_them_round_trips() {
    let mut record = Record::from_toml_str(CASE).unwrap();
    assert_eq!(record.pints, None, "older records have none");
    assert!(!record.to_json_pretty().contains("pints"));
    record.pints = Some(Pints {
        decision_making: 0.5,
        situation_awareness: 4.0,
        task_management_leadership: 2.5,
        teamwork_communication: 3.0,
    });
    let again = Record::from_json_str(&record.to_json_pretty()).unwrap();
    assert_eq!(again, record);
}

#[test]
fn ratings_off_the_scale_are_refused_by_category() {
    let record = Record::from_toml_str(CASE).unwrap();
    for (rating, accepted) in [
        (0.5, true),
        (4.0, true),
        (1.5, true),
        (0.0, false),
        (4.5, false),
        (2.25, false),
    ] {
        let mut rated = record.clone();
        rated.pints = Some(Pints {
            decision_making: 3.0,
            situation_awareness: 3.0,
            task_management_leadership: rating,
            teamwork_communication: 3.0,
        });
        let json = serde_json::to_string(&rated).unwrap();
        match (Record::from_json_str(&json), accepted) {
            (Ok(_), true) => {}
            (Err(perfuse_record::Error::Invalid { field, message }), false) => {
                assert_eq!(field, "pints.task_management_leadership");
                assert!(message.contains("0.5 to 4 in steps of 0.5"), "{message}");
            }
            (other, _) => panic!("{rating}: {other:?}"),
        }
    }
}

#[test]
fn a_rating_that_is_not_a_number_is_refused() {
    let pints = Pints {
        decision_making: f64::NAN,
        situation_awareness: 3.0,
        task_management_leadership: 3.0,
        teamwork_communication: 3.0,
    };
    assert!(perfuse_record::validate::validate_pints(&pints, "").is_err());
}

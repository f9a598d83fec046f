//! HL7 ORU^R01 lab results attached to a stored record: the right record, the right `time_s`,
//! converted units, audited as an amendment; every refusal changes nothing.

mod common;

use common::{adult_cabg, author, chief, sqlite_store};
use perfuse_record::hl7::AckCode;
use perfuse_record::time::ClockTime;
use perfuse_record::{Record, Store};

/// A realistic arterial blood gas panel from a blood gas analyser for the sample patient
/// (MRN-0012345, case 2024-03-14), taken at 09:25, ACT at 09:27.
const ABG: &str = "MSH|^~\\&|GEM5000|OR-3|PERFUSE|CARDIAC-OR|20240314093000||ORU^R01^ORU_R01|MSG0001|P|2.5.1\r\
PID|1||MRN-0012345^^^HOSP^MR||Morgan^Chris||19560802|M\r\
OBR|1||ABG0001|24336-0^Gas panel^LN|||20240314092500\r\
OBX|1|NM|2744-1^pH^LN||7.36|[pH]|7.35-7.45||||F\r\
OBX|2|NM|2019-8^pCO2^LN||5.6|kPa|||||F\r\
OBX|3|NM|2703-7^pO2^LN||30.0|kPa|||||F\r\
OBX|4|NM|2708-6^SaO2^LN||99.5|%|||||F\r\
OBX|5|NM|718-7^Hb^LN||85|g/L|||||F\r\
OBX|6|NM|20570-8^Hct^LN||26|%|||||F\r\
OBX|7|NM|6298-4^K^LN||4.9|mmol/L|||||F\r\
OBX|8|NM|32693-4^Lactate^LN||27|mg/dL|||||F\r\
OBX|9|NM|3184-9^ACT^LN||510|s|||||F|||20240314092700\r";

/// The sample record started at 08:00 (so 09:25 is time_s 5100).
fn started_at_eight() -> Record {
    let mut record = adult_cabg();
    record.case.start_time = Some(ClockTime::parse("08:00").unwrap());
    record
}

async fn labs_and_version(store: &Store, id: i64) -> (Vec<perfuse_record::model::LabSample>, i64) {
    let stored = store.get(&author(), id).await.unwrap();
    (stored.record.labs, stored.version)
}

#[tokio::test]
async fn abg_lands_at_its_time_in_record_units_with_every_newline() {
    for (variant, text) in [
        ("cr", ABG.to_owned()),
        ("lf", ABG.replace('\r', "\n")),
        ("crlf", ABG.replace('\r', "\r\n")),
        ("mllp", format!("\u{0b}{ABG}\u{1c}\r")),
    ] {
        let (store, _) = sqlite_store(&format!("hl7_abg_{variant}")).await;
        let id = store.create(&author(), &started_at_eight()).await.unwrap();
        store.finalise(&author(), id, None).await.unwrap();
        let messages = perfuse_record::hl7::split_messages(&text);
        assert_eq!(messages.len(), 1, "{variant}");
        let received = store.receive_hl7(&author(), &messages[0]).await;
        let attached = received.outcome.clone().expect(variant);
        assert_eq!((attached.record_id, attached.new_values), (id, 9));
        let (labs, version) = labs_and_version(&store, id).await;
        assert_eq!(version, 3, "created, finalised, amended");
        let panel = labs
            .iter()
            .find(|s| s.time_s == 5100.0)
            .expect("09:25 is 5100 s");
        assert_eq!(panel.ph, Some(7.36));
        // 1 kPa = 760/101.325 mmHg: 5.6 kPa = 42.0 mmHg, 30.0 kPa = 225.0 mmHg.
        assert!((panel.paco2_mmhg.unwrap() - 42.003).abs() < 0.001);
        assert!((panel.pao2_mmhg.unwrap() - 225.019).abs() < 0.001);
        assert_eq!(panel.sao2_pct, Some(99.5));
        assert_eq!(panel.hb_g_dl, Some(8.5), "85 g/L");
        assert_eq!(panel.hct_pct, Some(26.0));
        assert_eq!(panel.k_mmol_l, Some(4.9));
        // Lactate 90.08 g/mol: 27 mg/dL = 3.0 mmol/L.
        assert!((panel.lactate_mmol_l.unwrap() - 2.997).abs() < 0.001);
        let act = labs.iter().find(|s| s.time_s == 5220.0).expect("09:27");
        assert_eq!(act.act_s, Some(510.0));
        assert!(labs.windows(2).all(|w| w[0].time_s <= w[1].time_s));
        // The amendment is audited with the message's control id; the record is whole.
        let trail = store.audit_trail(&author(), id).await.unwrap();
        let last = trail.last().unwrap();
        assert_eq!(last.action, "amend");
        assert!(last.reason.as_deref().unwrap().contains("MSG0001"));
        store.check_integrity(&chief()).await.unwrap();
        let ack = received.ack("20240314093001+0000");
        assert!(ack.contains("\rMSA|AA|MSG0001|"), "{ack}");
        // The same message again changes nothing and is still accepted.
        let again = store.receive_hl7(&author(), &messages[0]).await;
        assert_eq!(again.outcome.unwrap().new_values, 0);
        assert_eq!(labs_and_version(&store, id).await.1, 3);
    }
}

#[tokio::test]
async fn a_draft_is_updated_and_existing_samples_are_filled() {
    let (store, _) = sqlite_store("hl7_draft").await;
    let mut record = started_at_eight();
    // A sample already at 09:25 (5100 s) with a pH only.
    record.labs.retain(|s| s.time_s < 5100.0);
    record.labs.push(perfuse_record::model::LabSample {
        time_s: 5100.0,
        ph: Some(7.36),
        ..Default::default()
    });
    let id = store.create(&author(), &record).await.unwrap();
    let attached = store.receive_hl7(&author(), ABG).await.outcome.unwrap();
    assert_eq!(attached.new_values, 8, "the pH was already there");
    let trail = store.audit_trail(&author(), id).await.unwrap();
    assert_eq!(trail.last().unwrap().action, "update");
    let (labs, _) = labs_and_version(&store, id).await;
    assert_eq!(labs.iter().filter(|s| s.time_s == 5100.0).count(), 1);
}

/// Every refusal leaves the record exactly as it was.
#[tokio::test]
async fn refused_messages_change_nothing() {
    let (store, _) = sqlite_store("hl7_refused").await;
    let id = store.create(&author(), &started_at_eight()).await.unwrap();
    let before = labs_and_version(&store, id).await;
    let cases = [
        (
            "unknown MRN",
            ABG.replace("MRN-0012345", "MRN-9999999"),
            AckCode::Error,
            "PID-3",
        ),
        (
            "other day",
            ABG.replace("20240314092", "20240320092"),
            AckCode::Error,
            "PID-3",
        ),
        (
            "before the start",
            ABG.replace("|||20240314092500", "|||20240314075900"),
            AckCode::Error,
            "OBX-14",
        ),
        (
            "no MSH",
            ABG[ABG.find("PID").unwrap()..].to_owned(),
            AckCode::Reject,
            "MSH",
        ),
        (
            "not ORU^R01",
            ABG.replace("ORU^R01^ORU_R01", "ADT^A08^ADT_A01"),
            AckCode::Reject,
            "MSH-9",
        ),
        (
            "bad number",
            ABG.replace("|7.36|", "|7.3x|"),
            AckCode::Error,
            "OBX[1]-5",
        ),
        (
            "one bad OBX of nine",
            ABG.replace("|510|s|", "|510|min|"),
            AckCode::Error,
            "OBX[9]-6",
        ),
        (
            "unknown code",
            ABG.replace("20570-8^Hct", "4544-3^Hct"),
            AckCode::Error,
            "OBX[6]-3",
        ),
        (
            "out of range",
            ABG.replace("|4.9|mmol/L|", "|49|mmol/L|"),
            AckCode::Error,
            "OBX[7]-5 (k_mmol_l)",
        ),
    ];
    for (what, text, ack, field) in cases {
        let received = store.receive_hl7(&author(), &text).await;
        let refusal = received.outcome.clone().expect_err(what);
        assert_eq!(
            (refusal.ack, refusal.field.as_str()),
            (ack, field),
            "{what}: {refusal}"
        );
        let reply = received.ack("20240314093001+0000");
        assert!(
            reply.contains(&format!("\rMSA|{}|", ack.code())),
            "{what}: {reply}"
        );
        assert_eq!(labs_and_version(&store, id).await, before, "{what}");
    }
    // A value different from the one the record holds is refused, not overwritten.
    let mut record = started_at_eight();
    record.case.date = perfuse_record::Date::parse("2024-03-15").unwrap();
    record.labs = vec![perfuse_record::model::LabSample {
        time_s: 5100.0,
        ph: Some(7.30),
        ..Default::default()
    }];
    let other = store.create(&author(), &record).await.unwrap();
    let conflicting = ABG.replace("20240314", "20240315");
    let refusal = store
        .receive_hl7(&author(), &conflicting)
        .await
        .outcome
        .unwrap_err();
    assert_eq!(refusal.field, "OBX[1]-5");
    assert_eq!(labs_and_version(&store, other).await.1, 1);
}

#[tokio::test]
async fn ambiguous_or_unplaceable_records_refuse_the_message() {
    let (store, _) = sqlite_store("hl7_ambiguous").await;
    // No start time: the observation time cannot be placed.
    let mut no_start = adult_cabg();
    no_start.case.start_time = None;
    store.create(&author(), &no_start).await.unwrap();
    let refusal = store.receive_hl7(&author(), ABG).await.outcome.unwrap_err();
    assert_eq!(refusal.field, "OBX-14");
    assert!(
        refusal.message.contains("no case.start_time"),
        "{}",
        refusal.message
    );
    // Two records of the same patient spanning 09:25: ambiguous.
    store.create(&author(), &started_at_eight()).await.unwrap();
    let mut also = started_at_eight();
    also.case.start_time = Some(ClockTime::parse("09:00").unwrap());
    store.create(&author(), &also).await.unwrap();
    let refusal = store.receive_hl7(&author(), ABG).await.outcome.unwrap_err();
    assert_eq!(refusal.field, "PID-3");
    assert!(refusal.message.contains("ambiguous"), "{}", refusal.message);
}

#[tokio::test]
async fn a_record_that_started_the_evening_before_takes_results_after_midnight() {
    let (store, _) = sqlite_store("hl7_midnight").await;
    let mut record = started_at_eight();
    record.case.date = perfuse_record::Date::parse("2024-03-13").unwrap();
    record.case.start_time = Some(ClockTime::parse("22:00").unwrap());
    let id = store.create(&author(), &record).await.unwrap();
    let attached = store.receive_hl7(&author(), ABG).await.outcome.unwrap();
    assert_eq!(attached.record_id, id);
    let (labs, _) = labs_and_version(&store, id).await;
    // 2024-03-13 22:00 → 2024-03-14 09:25 is 11 h 25 min.
    assert!(
        labs.iter()
            .any(|s| s.time_s == 41_100.0 && s.ph == Some(7.36))
    );
}

#[tokio::test]
async fn read_only_and_other_perfusionists_cannot_attach() {
    let (store, _) = sqlite_store("hl7_roles").await;
    let id = store.create(&author(), &started_at_eight()).await.unwrap();
    let other = perfuse_record::Actor::new("Sam Lee", perfuse_record::Role::Perfusionist).unwrap();
    let refusal = store.receive_hl7(&other, ABG).await.outcome.unwrap_err();
    assert_eq!(refusal.ack, AckCode::Error);
    assert_eq!(labs_and_version(&store, id).await.1, 1);
    assert!(store.receive_hl7(&chief(), ABG).await.outcome.is_ok());
}

#[test]
fn start_time_is_read_checked_and_named() {
    let with_start = common::ADULT_CABG_TOML.replacen(
        "date = 2024-03-14",
        "date = 2024-03-14\nstart_time = \"08:15\"",
        1,
    );
    let record = Record::from_toml_str(&with_start).unwrap();
    assert_eq!(record.case.start_time.unwrap().to_string(), "08:15:00");
    let json = serde_json::to_string(&record).unwrap();
    assert!(json.contains("\"start_time\":\"08:15:00\""));
    let bad = common::ADULT_CABG_TOML.replacen(
        "date = 2024-03-14",
        "date = 2024-03-14\nstart_time = \"8.15\"",
        1,
    );
    let error = Record::from_toml_str(&bad).unwrap_err().to_string();
    assert!(error.contains("case.start_time"), "{error}");
    assert!(error.contains("HH:MM"), "{error}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    /// Whatever arrives on the wire is answered: reading, parsing and acknowledging a message never
    /// panic (a panic would drop the MLLP connection without an ACK).
    #[test]
    fn any_text_is_answered_without_a_panic(
        fields in proptest::collection::vec("[ -~\\r\\n^~&|\\\\]{0,12}", 0..24),
        segment in proptest::sample::select(vec!["MSH", "PID", "OBR", "OBX", "ZZZ", ""]),
    ) {
        let mut text = String::from("MSH|^~\\&|");
        text.push_str(&fields[..fields.len().min(10)].join("|"));
        text.push('\r');
        text.push_str(segment);
        text.push('|');
        text.push_str(&fields.join("|"));
        for message in perfuse_record::hl7::split_messages(&text).iter().chain([&text]) {
            let header = perfuse_record::hl7::read_header(message);
            let parsed = perfuse_record::hl7::parse_oru(message);
            let outcome = parsed.as_ref().map(|_| "ok");
            let ack = perfuse_record::hl7::ack(header.as_ref(), outcome, "20260101000000");
            proptest::prop_assert!(ack.starts_with("MSH|"));
        }
    }
}

/// The message that once went unanswered: an MSH-only ADT with a one-digit MSH-7.
#[test]
fn a_bare_msh_with_a_short_timestamp_is_answered() {
    let text = "MSH|^~\\&|A|B|C|D|1||ADT^A01|X1|P|2.5\r";
    let header = perfuse_record::hl7::read_header(text);
    let error = perfuse_record::hl7::parse_oru(text).unwrap_err();
    let ack = perfuse_record::hl7::ack(header.as_ref(), Err(&error), "20260101000000");
    assert!(ack.contains("MSA|AR|X1"), "{ack}");
}

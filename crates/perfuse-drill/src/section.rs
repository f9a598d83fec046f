//! The 11 sections of the ABCP knowledge base, the map both drill items and scenario files
//! (`sections = [...]`) are filed under.
//!
//! Source: American Board of Cardiovascular Perfusion, Knowledge Base for the Perfusion Basic
//! Science and Clinical Applications in Perfusion examinations (11 sections).

use std::fmt;

use serde::{Serialize, Serializer};

/// One section of the ABCP knowledge base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Anatomy & Physiology.
    AnatomyPhysiology,
    /// Pharmacology.
    Pharmacology,
    /// Pathology.
    Pathology,
    /// Laboratory Analysis.
    LaboratoryAnalysis,
    /// Quality Assurance.
    QualityAssurance,
    /// Devices & Equipment.
    DevicesEquipment,
    /// Clinical Management.
    ClinicalManagement,
    /// Special Patient Groups.
    SpecialPatientGroups,
    /// ECMO/ECLS/Special Procedures.
    EcmoSpecialProcedures,
    /// Catastrophic Events & Device Failure.
    CatastrophicEvents,
    /// Monitoring.
    Monitoring,
}

impl Section {
    /// Every section, in the order of the ABCP knowledge base.
    pub const ALL: [Section; 11] = [
        Section::AnatomyPhysiology,
        Section::Pharmacology,
        Section::Pathology,
        Section::LaboratoryAnalysis,
        Section::QualityAssurance,
        Section::DevicesEquipment,
        Section::ClinicalManagement,
        Section::SpecialPatientGroups,
        Section::EcmoSpecialProcedures,
        Section::CatastrophicEvents,
        Section::Monitoring,
    ];

    /// The name used in flags, files and JSON (`clinical-management`).
    pub fn name(self) -> &'static str {
        match self {
            Section::AnatomyPhysiology => "anatomy-physiology",
            Section::Pharmacology => "pharmacology",
            Section::Pathology => "pathology",
            Section::LaboratoryAnalysis => "laboratory-analysis",
            Section::QualityAssurance => "quality-assurance",
            Section::DevicesEquipment => "devices-equipment",
            Section::ClinicalManagement => "clinical-management",
            Section::SpecialPatientGroups => "special-patient-groups",
            Section::EcmoSpecialProcedures => "ecmo-ecls-special-procedures",
            Section::CatastrophicEvents => "catastrophic-events-device-failure",
            Section::Monitoring => "monitoring",
        }
    }

    /// The title as the ABCP writes it (`Clinical Management`).
    pub fn title(self) -> &'static str {
        match self {
            Section::AnatomyPhysiology => "Anatomy & Physiology",
            Section::Pharmacology => "Pharmacology",
            Section::Pathology => "Pathology",
            Section::LaboratoryAnalysis => "Laboratory Analysis",
            Section::QualityAssurance => "Quality Assurance",
            Section::DevicesEquipment => "Devices & Equipment",
            Section::ClinicalManagement => "Clinical Management",
            Section::SpecialPatientGroups => "Special Patient Groups",
            Section::EcmoSpecialProcedures => "ECMO/ECLS/Special Procedures",
            Section::CatastrophicEvents => "Catastrophic Events & Device Failure",
            Section::Monitoring => "Monitoring",
        }
    }

    /// The section called `name` (see [`Section::name`]).
    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Every accepted name, comma-separated, for error messages.
    pub fn accepted_names() -> String {
        Section::ALL.map(Section::name).join(", ")
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Section {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for section in Section::ALL {
            assert_eq!(Section::from_name(section.name()), Some(section));
        }
        let mut names = Section::ALL.map(Section::name).to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 11);
        assert_eq!(Section::from_name("Clinical Management"), None);
    }
}

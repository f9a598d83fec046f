//! Rows of the cohort tables written as Parquet with the `parquet` crate's column writers
//! (no Arrow): one optional column per dictionary column, Snappy-compressed.

use std::fs::File;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use perfuse_cohort::table::{Cell, Column, Kind};

/// A Parquet file being written, one row group at a time.
pub struct ParquetWriter {
    writer: SerializedFileWriter<File>,
    columns: Vec<Column>,
}

impl ParquetWriter {
    /// Creates `file` with the schema of `columns`.
    pub fn create(file: File, columns: &[Column]) -> parquet::errors::Result<ParquetWriter> {
        let fields: String = columns
            .iter()
            .map(|c| match c.kind {
                Kind::Int => format!("OPTIONAL INT64 {};\n", c.name),
                Kind::Float(_) => format!("OPTIONAL DOUBLE {};\n", c.name),
                Kind::Text => format!("OPTIONAL BYTE_ARRAY {} (UTF8);\n", c.name),
            })
            .collect();
        let schema = parse_message_type(&format!("message cohort {{\n{fields}}}"))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        Ok(ParquetWriter {
            writer: SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties))?,
            columns: columns.to_vec(),
        })
    }

    /// Writes `rows` as one row group (nothing for no rows).
    pub fn write_rows(&mut self, rows: &[Vec<Cell>]) -> parquet::errors::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut group = self.writer.next_row_group()?;
        for (i, column) in self.columns.iter().enumerate() {
            let Some(mut writer) = group.next_column()? else {
                break;
            };
            let levels: Vec<i16> = rows.iter().map(|r| i16::from(r[i] != Cell::Null)).collect();
            match column.kind {
                Kind::Int => {
                    let values: Vec<i64> = rows
                        .iter()
                        .filter_map(|r| match r[i] {
                            Cell::Int(v) => Some(v),
                            _ => None,
                        })
                        .collect();
                    writer
                        .typed::<Int64Type>()
                        .write_batch(&values, Some(&levels), None)?;
                }
                Kind::Float(_) => {
                    let values: Vec<f64> = rows.iter().filter_map(|r| r[i].number()).collect();
                    writer
                        .typed::<DoubleType>()
                        .write_batch(&values, Some(&levels), None)?;
                }
                Kind::Text => {
                    let values: Vec<ByteArray> = rows
                        .iter()
                        .filter_map(|r| match &r[i] {
                            Cell::Text(t) => Some(ByteArray::from(t.as_str())),
                            _ => None,
                        })
                        .collect();
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(&values, Some(&levels), None)?;
                }
            }
            writer.close()?;
        }
        group.close()?;
        Ok(())
    }

    /// Writes the footer.
    pub fn finish(self) -> parquet::errors::Result<()> {
        self.writer.close().map(|_| ())
    }
}

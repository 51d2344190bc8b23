//! Figures: one set of numbers shown three ways, as an ECharts chart (its option object
//! built with charming), an HTML table and a CSV file, so that the three always agree.

use charming::Chart;
use charming::component::{Axis, Grid, Legend, LegendType};
use charming::datatype::{DataPoint, DataPointItem};
use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
use charming::series::{Bar, Line};
use serde::Serialize;

use super::table::Table;

/// How a figure is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Vertical bars, one group per label: trends over periods.
    Bars,
    /// Vertical bars, series stacked.
    StackedBars,
    /// Horizontal bars: long labels (categories, business lines).
    HorizontalBars,
    /// Horizontal bars, series stacked: crossings of two facets.
    StackedHorizontalBars,
    /// Lines: values over time.
    Lines,
}

/// One series of values, one per label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
    pub color: Option<String>,
}

/// Numbers with labels, the name of the label column, and text columns the chart leaves
/// out (variation, trend) that the table and CSV still show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Unique on its page; also the CSV file's stem.
    pub id: String,
    pub title: String,
    pub kind: Kind,
    /// Header of the label column (`Month`, `Category`).
    pub label_header: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// Extra table columns: header and one cell per label.
    pub extra: Vec<(String, Vec<String>)>,
    /// A colour per label, for the bars of a figure of one series: each value of a
    /// facet in the colour its badges have (severities, statuses, TLP).
    pub label_colors: Vec<Option<String>>,
}

/// A series' numbers as tables print them: bare when all are whole, otherwise all with
/// one decimal, so that a column's numbers line up (`262.0` above `1198.4`).
pub fn numbers(values: &[f64]) -> Vec<String> {
    let whole = values.iter().all(|v| v.fract() == 0.0 && v.abs() < 1e15);
    values
        .iter()
        .map(|&v| {
            if whole {
                format!("{}", v as i64)
            } else {
                format!("{v:.1}")
            }
        })
        .collect()
}

/// Rounds to the one decimal tables print, so that a chart shows what its table says.
pub fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

impl Figure {
    pub fn new(
        id: &str,
        title: impl Into<String>,
        kind: Kind,
        label_header: impl Into<String>,
    ) -> Self {
        Figure {
            id: id.to_string(),
            title: title.into(),
            kind,
            label_header: label_header.into(),
            labels: Vec::new(),
            series: Vec::new(),
            extra: Vec::new(),
            label_colors: Vec::new(),
        }
    }

    /// Draws the bars of each label in its colour, when the figure has one series.
    pub fn label_colors(mut self, colors: Vec<Option<String>>) -> Self {
        self.label_colors = colors;
        self
    }

    pub fn labels(mut self, labels: Vec<String>) -> Self {
        self.labels = labels;
        self
    }

    pub fn series(
        mut self,
        name: impl Into<String>,
        values: Vec<f64>,
        color: Option<&str>,
    ) -> Self {
        self.series.push(Series {
            name: name.into(),
            values,
            color: color.map(str::to_string),
        });
        self
    }

    /// A series of counts.
    pub fn counts(self, name: impl Into<String>, values: &[u64], color: Option<&str>) -> Self {
        self.series(name, values.iter().map(|&v| v as f64).collect(), color)
    }

    pub fn extra(mut self, header: impl Into<String>, cells: Vec<String>) -> Self {
        self.extra.push((header.into(), cells));
        self
    }

    /// True when there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The table: a row per label, a column per series, then the extra columns.
    pub fn table(&self) -> Table {
        let mut columns = vec![self.label_header.clone()];
        columns.extend(self.series.iter().map(|s| s.name.clone()));
        columns.extend(self.extra.iter().map(|(h, _)| h.clone()));
        let printed: Vec<Vec<String>> = self.series.iter().map(|s| numbers(&s.values)).collect();
        let rows = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let mut row = vec![label.clone()];
                row.extend(
                    printed
                        .iter()
                        .map(|column| column.get(i).cloned().unwrap_or_default()),
                );
                row.extend(
                    self.extra
                        .iter()
                        .map(|(_, cells)| cells.get(i).cloned().unwrap_or_default()),
                );
                row
            })
            .collect();
        Table {
            columns,
            label_columns: 1,
            rows,
        }
    }

    /// The ECharts option object.
    pub fn chart(&self) -> Chart {
        let horizontal = matches!(
            self.kind,
            Kind::HorizontalBars | Kind::StackedHorizontalBars
        );
        let stacked = matches!(self.kind, Kind::StackedBars | Kind::StackedHorizontalBars);
        // Horizontal bars list the first label at the top.
        let labels: Vec<String> = if horizontal {
            self.labels.iter().rev().cloned().collect()
        } else {
            self.labels.clone()
        };
        let category = Axis::new().type_(AxisType::Category).data(labels);
        let value = Axis::new().type_(AxisType::Value).min_interval(1);
        let (x, y) = if horizontal {
            (value, category)
        } else {
            (category, value)
        };
        let mut chart = Chart::new()
            .animation(false)
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .grid(
                Grid::new()
                    .left(8)
                    // A line's last label is centred on the right edge, where
                    // `contain_label` leaves it half cut: room for its other half.
                    .right(if self.kind == Kind::Lines { 32 } else { 16 })
                    .top(if self.series.len() > 1 { 32 } else { 12 })
                    .bottom(8)
                    .contain_label(true),
            )
            .x_axis(x)
            .y_axis(y);
        if self.series.len() > 1 {
            // One line of legend however many series: it scrolls.
            chart = chart.legend(Legend::new().type_(LegendType::Scroll).top(0));
        }
        let one_series = self.series.len() == 1;
        for s in &self.series {
            let values: Vec<DataPoint> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, &value)| match self.label_colors.get(i) {
                    Some(Some(color)) if one_series => {
                        DataPointItem::new(value).item_style(style_of(color)).into()
                    }
                    _ => value.into(),
                })
                .collect();
            let values = if horizontal {
                values.into_iter().rev().collect()
            } else {
                values
            };
            let style = s.color.as_deref().map(style_of);
            chart = match self.kind {
                Kind::Lines => {
                    let mut line = Line::new().name(s.name.as_str()).data(values);
                    if let Some(style) = style {
                        line = line.item_style(style);
                    }
                    chart.series(line)
                }
                _ => {
                    let mut bar = Bar::new().name(s.name.as_str()).data(values);
                    if stacked {
                        bar = bar.stack("total");
                    }
                    if let Some(style) = style {
                        bar = bar.item_style(style);
                    }
                    chart.series(bar)
                }
            };
        }
        chart
    }

    /// The option object as JSON, for the page's `data-chart` attribute.
    pub fn option_json(&self) -> String {
        serde_json::to_string(&self.chart()).unwrap_or_else(|_| "{}".to_string())
    }

    /// A height in pixels that fits the labels of horizontal bars.
    pub fn height(&self) -> usize {
        match self.kind {
            Kind::HorizontalBars | Kind::StackedHorizontalBars => {
                (self.labels.len() * 26 + 60).clamp(160, 900)
            }
            _ => 280,
        }
    }
}

/// Bars or points in `color`; a light one (TLP:CLEAR's white) outlined, so that it
/// shows on the page's white.
fn style_of(color: &str) -> ItemStyle {
    let style = ItemStyle::new().color(color);
    if crate::render::context::luminance(color).is_some_and(|l| l > 0.85) {
        style.border_color("#8a94a6").border_width(1)
    } else {
        style
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_table_and_csv_show_the_same_numbers() {
        let figure = Figure::new("trend", "Trend", Kind::Bars, "Month")
            .labels(vec!["2024-01".into(), "2024-02".into()])
            .counts("Incidents", &[3, 0], None)
            .series("Median (h)", vec![tenths(36.04), 0.5], Some("#c62828"))
            .extra("Trend", vec!["↑".into(), "↓".into()]);
        let table = figure.table();
        assert_eq!(table.columns, ["Month", "Incidents", "Median (h)", "Trend"]);
        // Counts stay whole; a column with a decimal gives every number one.
        assert_eq!(table.rows[0], ["2024-01", "3", "36.0", "↑"]);
        assert_eq!(table.rows[1], ["2024-02", "0", "0.5", "↓"]);
        assert_eq!(
            String::from_utf8(table.to_csv()).unwrap(),
            "Month,Incidents,Median (h),Trend\n2024-01,3,36.0,↑\n2024-02,0,0.5,↓\n"
        );
        let option: serde_json::Value = serde_json::from_str(&figure.option_json()).unwrap();
        assert_eq!(
            option["xAxis"]["data"],
            serde_json::json!(["2024-01", "2024-02"])
        );
        assert_eq!(option["series"][0]["type"], "bar");
        assert_eq!(option["series"][0]["data"], serde_json::json!([3.0, 0.0]));
        assert_eq!(option["series"][1]["data"], serde_json::json!([36.0, 0.5]));
        assert_eq!(option["series"][1]["itemStyle"]["color"], "#c62828");
        assert_eq!(option["animation"], false);
    }

    #[test]
    fn one_series_bars_take_their_labels_colours() {
        let colors = vec![
            Some("#c62828".to_string()),
            None,
            Some("#ffffff".to_string()),
        ];
        let figure = Figure::new("s", "By TLP", Kind::Bars, "TLP")
            .labels(vec!["RED".into(), "?".into(), "CLEAR".into()])
            .counts("Incidents", &[4, 1, 2], None)
            .label_colors(colors.clone());
        let option: serde_json::Value = serde_json::from_str(&figure.option_json()).unwrap();
        let data = &option["series"][0]["data"];
        assert_eq!(data[0]["value"], 4.0);
        assert_eq!(data[0]["itemStyle"]["color"], "#c62828");
        assert!(data[0]["itemStyle"]["borderColor"].is_null());
        // No colour: the series' own.
        assert_eq!(data[1], 1.0);
        // White is outlined, or it would not show.
        assert_eq!(data[2]["itemStyle"]["color"], "#ffffff");
        assert_eq!(data[2]["itemStyle"]["borderWidth"], 1.0);
        // The table is the same numbers.
        assert_eq!(figure.table().rows[2], ["CLEAR", "2"]);
        // Horizontal bars keep each colour with its bar.
        let mut horizontal = figure.clone();
        horizontal.kind = Kind::HorizontalBars;
        let option: serde_json::Value = serde_json::from_str(&horizontal.option_json()).unwrap();
        assert_eq!(
            option["series"][0]["data"][2]["itemStyle"]["color"],
            "#c62828"
        );
        // Several series: each in its own colour, not the labels'.
        let two = figure.counts("Major", &[1, 0, 0], None);
        let option: serde_json::Value = serde_json::from_str(&two.option_json()).unwrap();
        assert_eq!(
            option["series"][0]["data"],
            serde_json::json!([4.0, 1.0, 2.0])
        );
    }

    #[test]
    fn horizontal_bars_read_top_down() {
        let figure = Figure::new("c", "By category", Kind::HorizontalBars, "Category")
            .labels(vec!["Phishing".into(), "Malware".into()])
            .counts("Incidents", &[5, 2], None);
        let option: serde_json::Value = serde_json::from_str(&figure.option_json()).unwrap();
        assert_eq!(
            option["yAxis"]["data"],
            serde_json::json!(["Malware", "Phishing"])
        );
        assert_eq!(option["series"][0]["data"], serde_json::json!([2.0, 5.0]));
        assert_eq!(option["xAxis"]["type"], "value");
    }

    #[test]
    fn a_line_leaves_room_for_its_last_label() {
        let right = |kind: Kind| {
            let figure = Figure::new("trend", "Trend", kind, "Month")
                .labels(vec!["2026-10".into(), "2026-11".into()])
                .counts("Open", &[1, 4], None);
            let option: serde_json::Value = serde_json::from_str(&figure.option_json()).unwrap();
            // One grid, as a list of one.
            option["grid"][0]["right"].as_f64().expect("a right margin")
        };
        assert!(right(Kind::Lines) > right(Kind::Bars));
    }
}

//! Golden SQL: Athena's own flow-log queries and the flow functions over fixtures in both S3 key layouts,
//! one with the default format and one with a v8 custom format, including NODATA/SKIPDATA rows.

use std::path::Path;
use vpcflow_engine::{Engine, EngineOptions};

fn engine() -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let (inputs, problems) = vpcflow_source::expand_inputs(&[root.display().to_string()]);
    assert!(problems.is_empty(), "{problems:?}");
    Engine::new(
        &inputs,
        EngineOptions {
            threads: Some(2),
            ..EngineOptions::default()
        },
    )
    .unwrap()
}

fn table(engine: &Engine, sql: &str) -> String {
    let (schema, mut batches) = engine.collect(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    if batches.is_empty() {
        batches.push(arrow::record_batch::RecordBatch::new_empty(schema));
    }
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    format!("{sql}\n{text}")
}

macro_rules! golden {
    ($name:ident, $sql:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(table(&engine(), $sql));
        }
    };
}

golden!(
    athena_top_talkers,
    "SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows GROUP BY srcaddr, dstaddr ORDER BY total DESC, srcaddr LIMIT 10"
);
golden!(
    athena_rejected_tcp_ports,
    "SELECT dstport, COUNT(*) FROM flows WHERE action = 'REJECT' AND protocol = 6 GROUP BY dstport ORDER BY dstport"
);
// AWS's Athena guide's first flow-log query, with an ORDER BY so that the snapshot does not depend on which
// partition finishes first (the query as AWS writes it is run below).
golden!(
    athena_rejected_tcp_by_day_of_week,
    "SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol FROM vpc_flow_logs \
     WHERE action = 'REJECT' AND protocol = 6 ORDER BY srcaddr LIMIT 100"
);
// Calendar facts: 2024-01-01 is a Monday, 2024-01-07 a Sunday, 2021-01-03 a Sunday in ISO week 53 of 2020,
// 2020-12-31 a Thursday and day 366; 1418590010 is 2014-12-14 20:46:50 UTC, a Sunday, and Monday 05:46:50 in
// Tokyo.
golden!(
    athena_date_functions,
    "SELECT d, year(d) AS y, quarter(d) AS q, month(d) AS m, week(d) AS w, week_of_year(d) AS w2, \
     year_of_week(d) AS yow, day(d) AS dd, day_of_month(d) AS dd2, day_of_week(d) AS dow, dow(d) AS dow2, \
     day_of_year(d) AS doy, doy(d) AS doy2 \
     FROM (VALUES (DATE '2024-01-01'), (DATE '2024-01-07'), (DATE '2021-01-03'), (DATE '2020-12-31'), (NULL)) AS t(d) \
     ORDER BY d"
);
golden!(
    athena_time_functions,
    "SELECT t, hour(t) AS h, minute(t) AS mi, second(t) AS s, day_of_week(t) AS dow, \
     hour(z) AS tokyo_h, day_of_week(z) AS tokyo_dow \
     FROM (SELECT from_unixtime(1418590010) AS t, \
     arrow_cast(arrow_cast(1418590010, 'Int64'), 'Timestamp(Second, Some(\"Asia/Tokyo\"))') AS z)"
);

// MySQL's specifiers, as Athena's date_format takes them (%i minutes, %s seconds, %W weekday, %M month name,
// %v/%x ISO week and year), on a timestamp, a zoned timestamp and a date; date() is a cast.
golden!(
    athena_date_format_and_date,
    "SELECT date_format(t, '%Y-%m-%d %H:%i:%s') AS a, date_format(t, '%c/%e %l:%i %p %T %j %v %x') AS b, \
     date_format(z, '%Y-%m-%d %H:%i') AS tokyo, date_format(DATE '2024-01-07', '%W %M %e, %Y %H:%i') AS d, \
     date('2024-01-02') AS from_text, date(t) AS from_time \
     FROM (SELECT from_unixtime(1418590010) AS t, \
     arrow_cast(arrow_cast(1418590010, 'Int64'), 'Timestamp(Second, Some(\"Asia/Tokyo\"))') AS z)"
);

// Whole units, Trino's way (DuckDB's date_sub agrees on each): a month is whole when its day and time are
// reached, a shorter month's last day counting as reached; negative spans count toward zero.
golden!(
    athena_date_diff_and_date_add,
    "SELECT date_diff('month', DATE '2024-01-31', DATE '2024-02-29') AS m1, \
     date_diff('month', DATE '2024-03-31', DATE '2024-02-29') AS m2, \
     date_diff('month', TIMESTAMP '2024-01-31 12:00:00', TIMESTAMP '2024-02-29 11:00:00') AS m3, \
     date_diff('year', DATE '2020-02-29', DATE '2021-02-28') AS y, \
     date_diff('quarter', DATE '2024-01-15', DATE '2024-07-14') AS q, \
     date_diff('day', DATE '2024-01-01', DATE '2023-12-30') AS d, \
     date_diff('hour', from_unixtime(3599), from_unixtime(0)) AS h, \
     date_add('day', -7, DATE '2024-03-01') AS a1, date_add('month', 1, DATE '2024-01-31') AS a2, \
     date_add('year', -1, DATE '2024-02-29') AS a3, date_add('hour', 5, from_unixtime(1418590010)) AS a4"
);
// A column of counts and a constant date: one date per row, not the first row's everywhere.
golden!(
    athena_date_add_of_a_column,
    "SELECT dstport, date_add('day', dstport, DATE '2024-01-01') AS d, date_diff('day', DATE '2024-01-01', \
     date_add('day', dstport, DATE '2024-01-01')) AS back FROM flows WHERE dstport < 100 GROUP BY 1, 2, 3 ORDER BY 1"
);
// Fixture facts: ACCEPT's largest flow is 172.31.16.139's 98,000 bytes, its smallest goes to 8.8.8.8, its
// latest to 54.239.28.85; REJECT's are 172.31.9.69, 10.0.1.5 and 10.0.1.5; the NODATA/SKIPDATA group has no
// bytes (NULL) and no addresses at its latest start (NULL). Each of the first two has one 4,249-byte flow:
// arbitrary() skips the other rows' NULLs to find it.
golden!(
    athena_max_by_min_by_arbitrary,
    "SELECT action, max_by(srcaddr, bytes) AS top_src, min_by(dstaddr, bytes) AS least_dst, \
     max_by(dstaddr, start) AS latest_dst, arbitrary(action) AS any_action, \
     arbitrary(CASE WHEN bytes = 4249 THEN srcaddr END) AS the_4249_src \
     FROM flows WHERE action IS NULL OR log_status = 'OK' GROUP BY action ORDER BY action"
);
// Few values, so the t-digest holds each one and the estimate is the median: 4,249 of ACCEPT's seven flows,
// 120 of REJECT's five.
golden!(
    athena_approx_percentile,
    "SELECT action, approx_percentile(bytes, 0.5) AS median FROM flows WHERE log_status = 'OK' \
     GROUP BY action ORDER BY action"
);
golden!(
    athena_count_if,
    "SELECT action, count_if(protocol = 6) AS tcp, count_if(dstport = 22) AS ssh, count_if(srcport > 60000) AS none_here, \
     COUNT(*) AS n FROM flows GROUP BY action ORDER BY action"
);

// 1418590010 is 2014-12-14 20:46:50 UTC: Athena writes it `2014-12-14T20:46:50.000Z` (from_unixtime is a
// timestamp(3) with time zone, UTC being Athena's), in Tokyo `…T05:46:50.000+09:00` the next day.
golden!(
    athena_iso8601,
    "SELECT to_iso8601(from_unixtime(1418590010)) AS utc, to_iso8601(from_unixtime(1418590010, 'Asia/Tokyo')) AS tokyo, \
     to_iso8601(from_unixtime(1418590010, -5, -30)) AS minus_0530, to_iso8601(from_unixtime(1418590010.25)) AS fraction, \
     to_iso8601(DATE '2024-01-02') AS d, \
     to_iso8601(arrow_cast(TIMESTAMP '2024-01-02 03:04:05.123456', 'Timestamp(Microsecond, None)')) AS micros, \
     from_iso8601_timestamp('2014-12-15T05:46:50+09:00') = from_unixtime(1418590010) AS same_instant, \
     from_iso8601_timestamp('2014-12-14T20:46:50.250') AS no_zone_is_utc, from_iso8601_date('2024-02-29') AS leap, \
     to_iso8601(CAST(NULL AS DATE)) AS none"
);

// Trino's array functions: split, element_at (1-based, negative from the end), contains of an array (and still
// of text), with DataFusion's cardinality, array_join, array_agg and subscripts. The address filter is AWS's
// projection example `split_part(srcaddr, '.', 1) = '10'` written with arrays.
golden!(
    athena_arrays,
    "SELECT srcaddr, split(srcaddr, '.') AS parts, element_at(split(srcaddr, '.'), -1) AS last, \
     split(srcaddr, '.')[2] AS second, cardinality(split(srcaddr, '.')) AS n, \
     array_join(array_agg(DISTINCT dstport ORDER BY dstport), ',') AS ports, \
     bool_or(contains(ARRAY[22, 3389], dstport)) AS admin, bool_and(contains(srcaddr, '.1.')) AS text \
     FROM flows WHERE element_at(split(srcaddr, '.'), 1) IN ('10', '192') GROUP BY srcaddr ORDER BY srcaddr"
);

// if() is CASE (the division is not evaluated where x = 0), regexp_extract with and without a group, the bitwise
// functions of TCP flags, mod with the dividend's sign, and Trino's names ceiling and truncate.
golden!(
    athena_if_regexp_bitwise_mod,
    "SELECT x, if(x = 0, -1, 100 / x) AS safe, if(x > 1, 'many') AS one_branch, \
     regexp_extract('10.117.1.22', '^(\\d+)\\.(\\d+)', 2) AS second_octet, \
     regexp_extract('eni-1235b8ca', 'eni-([0-9a-f]+)', 1) AS eni, regexp_extract('no digits', '\\d+') AS none, \
     bitwise_and(x, 2) AS and2, bitwise_or(x, 8) AS or8, bitwise_xor(x, 1) AS xor1, bitwise_not(x) AS not_x, \
     mod(-7, x + 3) AS m, mod(7.5, 2) AS fm, ceiling(x / 4.0) AS ce, truncate(x * 1.7) AS tr \
     FROM (VALUES (0), (5), (18)) AS t(x) ORDER BY x"
);
// Flows that saw a SYN (2) and a FIN (1), and whether every flow of a protocol was accepted.
golden!(
    athena_tcp_flag_bits_and_every,
    "SELECT protocol, bitwise_and(tcp_flags, 2) <> 0 AS syn, bitwise_and(tcp_flags, 1) <> 0 AS fin, \
     every(action = 'ACCEPT') AS all_accepted, COUNT(*) AS n FROM flows WHERE tcp_flags IS NOT NULL \
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
);

// AWS's partition-projection examples (Athena guide, "Create and query a table for Amazon VPC flow logs using
// partition projection"), where `day` is the whole date, 'yyyy/MM/dd'; only the table's name and the dates (the
// fixtures' 2024-01-02) differ, and the ORDER BY has a tie-breaker.
golden!(
    athena_projection_packets_to_443,
    "SELECT SUM(packets) AS packetcount, dstaddr FROM vpc_flow_logs WHERE dstport = 443 AND day >= '2024/01/01' \
     AND day < '2024/01/31' GROUP BY dstaddr ORDER BY packetcount DESC, dstaddr LIMIT 10"
);
golden!(
    athena_projection_start_and_end_times,
    "SELECT interface_id, srcaddr, action, protocol, to_iso8601(from_unixtime(start)) AS start_time, \
     to_iso8601(from_unixtime(\"end\")) AS end_time FROM vpc_flow_logs WHERE DAY >= '2024/01/01' AND DAY < '2024/01/31' \
     ORDER BY start_time, interface_id, srcaddr, protocol"
);
golden!(
    athena_projection_rejected_tcp,
    "SELECT day, interface_id, srcaddr, action, protocol FROM vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6 \
     AND day >= '2024/01/01' AND day < '2024/01/28' ORDER BY srcaddr, interface_id LIMIT 10"
);

#[test]
fn projected_days_are_read_as_dates() {
    let engine = engine();
    let count = |sql: &str| -> i64 {
        let sql = format!("SELECT COUNT(*) FROM vpc_flow_logs WHERE {sql}");
        let (_, batches) = engine
            .collect(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let n = batches[0].column(0).as_ref();
        arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(n).value(0)
    };
    // Every fixture record is of 2024-01-02, in `date`; `day` is the key's '02'.
    for (filter, expected) in [
        ("day >= '2024/01/02'", 15),
        ("day < '2024/01/02'", 0),
        ("day > '2023/12/31' AND day <= '2024/01/02'", 15),
        ("'2024/01/02' <= day", 15),
        ("day = '2024/01/02'", 15),
        ("day <> '2024/01/02'", 0),
        ("day BETWEEN '2024/01/01' AND '2024/01/02'", 15),
        ("day NOT BETWEEN '2024/01/01' AND '2024/01/02'", 0),
        ("day IN ('2024/01/05', '2024/01/02')", 15),
        ("day NOT IN ('2024/01/02')", 0),
        // AWS's Parquet projection table calls the same partition `date`.
        ("date >= '2024/01/02' AND date < '2024/01/03'", 15),
        ("date BETWEEN '2023/12/01' AND '2024/01/01'", 0),
        // The Hive layout's own values, and text that is no date, are compared as they are.
        ("day = '02'", 15),
        ("day = '2024/01/32'", 0),
        ("day >= '2024/1/2'", 0),
    ] {
        assert_eq!(count(filter), expected, "{filter}");
    }
    // Such a query sees `day` as the whole date throughout, as the projection table has it; others see the key's.
    let days = |sql: &str| -> Vec<String> {
        let (_, batches) = engine.collect(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let text = arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        text.lines()
            .skip(3)
            .filter(|l| !l.starts_with('+'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        days(
            "SELECT day, COUNT(*) FROM vpc_flow_logs WHERE day >= '2024/01/01' GROUP BY day ORDER BY day"
        ),
        ["| 2024/01/02 | 15       |"]
    );
    assert_eq!(
        days("SELECT day, COUNT(*) FROM vpc_flow_logs GROUP BY day"),
        ["| 02  | 15       |"]
    );
    // A comparison in the SELECT list counts too, and keeps the column's name.
    assert_eq!(
        days(
            "SELECT day, day >= '2024/01/02' AS since, COUNT(*) FROM vpc_flow_logs \
             GROUP BY day, day >= '2024/01/02'"
        ),
        ["| 2024/01/02 | true  | 15       |"]
    );
    // `region` is that table's partition: the key's region where the records (here the default format's) have
    // none.
    assert_eq!(
        days(
            "SELECT region, COUNT(*) FROM vpc_flow_logs WHERE day >= '2024/01/01' AND region = 'us-east-1' \
             GROUP BY region"
        ),
        ["| us-east-1 | 11       |"]
    );
    assert_eq!(
        days(
            "SELECT region, COUNT(*) FROM vpc_flow_logs WHERE region = 'us-east-1' GROUP BY region"
        ),
        Vec::<String>::new()
    );
    // AWS's first projection example, verbatim but for the table and the dates: a day's records in order.
    let (_, batches) = engine
        .collect(
            "SELECT *\nFROM vpc_flow_logs\nWHERE day >= '2024/01/01' AND day < '2024/01/28'\nORDER BY day ASC\nLIMIT 100",
        )
        .unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 15);
    // A `day` that is not the table's is left alone.
    let (_, batches) = engine
        .collect("SELECT COUNT(*) FROM (SELECT '2024/01/05' AS day) WHERE day >= '2024/01/02'")
        .unwrap();
    let n = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(
        batches[0].column(0).as_ref(),
    );
    assert_eq!(n.value(0), 1);
    // The plan says what was read.
    let (_, batches) = engine
        .collect("EXPLAIN SELECT COUNT(*) FROM vpc_flow_logs WHERE day >= '2024/01/02'")
        .unwrap();
    let plan = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(plan.contains("date >= Date32(\"2024-01-02\")"), "{plan}");
}

#[test]
fn athena_example_runs_unchanged() {
    let engine = engine();
    let rows = |sql: &str| {
        let (_, batches) = engine.collect(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let text = arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let aws = rows(
        "SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol\n\
         FROM vpc_flow_logs\n\
         WHERE action = 'REJECT' AND protocol = 6\n\
         LIMIT 100;",
    );
    let ordered = rows(
        "SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol FROM vpc_flow_logs \
         WHERE action = 'REJECT' AND protocol = 6 ORDER BY srcaddr LIMIT 100",
    );
    assert_eq!(aws, ordered);
    assert!(aws.len() > 4, "{aws:?}");
    // The guide's query before it: a day's flows through date(), Trino's cast function.
    let count = |sql: &str| -> usize {
        let (_, batches) = engine.collect(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        batches.iter().map(|b| b.num_rows()).sum()
    };
    let day = count("SELECT * \nFROM vpc_flow_logs \nWHERE date = DATE('2024-01-02') \nLIMIT 100;");
    assert_eq!(day, 15);
    assert_eq!(
        count("SELECT * FROM vpc_flow_logs WHERE date = DATE('2024-01-03')"),
        0
    );
}

#[test]
fn date_functions_say_what_they_take() {
    let engine = engine();
    for (sql, says) in [
        (
            "SELECT day_of_week(start) FROM flows",
            "from_unixtime(start)",
        ),
        (
            "SELECT date_format(start, '%Y') FROM flows",
            "from_unixtime(start)",
        ),
        (
            "SELECT date_add('hour', 1, DATE '2024-01-01')",
            "a date has no hours",
        ),
        (
            "SELECT date_diff('fortnight', DATE '2024-01-01', DATE '2024-02-01')",
            "the unit is one of",
        ),
        (
            "SELECT date_format(DATE '2024-01-01', '%D')",
            "%D is not a specifier",
        ),
        (
            "SELECT to_iso8601(start) FROM flows",
            "from_unixtime(start)",
        ),
        (
            "SELECT from_unixtime(srcaddr) FROM flows",
            "takes seconds since 1970",
        ),
        (
            "SELECT from_unixtime(start, 'Mars/Olympus') FROM flows",
            "unknown time zone `Mars/Olympus`",
        ),
        (
            "SELECT from_unixtime(9223372036854775807)",
            "from_unixtime(): 9223372036854775807 seconds is out of a timestamp's range",
        ),
        (
            "SELECT from_unixtime(CAST('NaN' AS DOUBLE))",
            "from_unixtime(): NaN seconds is out of a timestamp's range",
        ),
        (
            "SELECT from_iso8601_timestamp('14 Dec 2014')",
            "`14 Dec 2014` is not an ISO 8601 time",
        ),
        (
            "SELECT bitwise_and(srcaddr, 2) FROM flows",
            "bitwise_and() takes whole numbers, not Utf8View",
        ),
        (
            "SELECT regexp_extract(srcaddr, '(\\d+', 1) FROM flows",
            "the pattern `(\\d+` is not valid",
        ),
        (
            "SELECT regexp_extract(srcaddr, '(\\d+)', 2) FROM flows",
            "has 1 groups, not 2",
        ),
        (
            "SELECT if(true) FROM flows",
            "if() takes a condition and one or two values",
        ),
        (
            "SELECT split(srcaddr, '.', 2) FROM flows",
            "split() takes 2 arguments",
        ),
        (
            "SELECT element_at(srcaddr, 1) FROM flows",
            "element_at() takes an array and a position, not Utf8View",
        ),
        (
            "SELECT from_iso8601_date('2024-02-30')",
            "`2024-02-30` is not a date",
        ),
    ] {
        let err = engine.collect(sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

golden!(
    athena_table_name_and_partitions,
    "SELECT \"aws-account-id\", \"aws-region\", \"date\", \"hour\", COUNT(*) AS records, COUNT(srcaddr) AS with_traffic \
     FROM vpc_flow_logs GROUP BY 1, 2, 3, 4 ORDER BY 1"
);
golden!(
    nodata_and_skipdata_are_nulls,
    "SELECT log_status, COUNT(*) AS records, COUNT(packets) AS packets_known, SUM(bytes) AS bytes, MIN(start) AS start \
     FROM flows GROUP BY log_status ORDER BY log_status"
);
golden!(
    newer_fields_are_columns,
    "SELECT interface_id, pkt_srcaddr, flow_direction, traffic_path, reject_reason, tcp_flag_names(tcp_flags) AS flags \
     FROM flows WHERE version = 8 ORDER BY start"
);
golden!(
    flow_functions,
    "SELECT DISTINCT srcaddr, is_private(srcaddr) AS private, ip_in(srcaddr, '172.31.0.0/16') AS in_vpc, \
     aws_service(dstaddr) AS dst_service, aws_region(dstaddr) AS dst_region, protocol_name(protocol) AS proto, \
     service_name(dstport, protocol) AS service \
     FROM flows WHERE srcaddr IS NOT NULL ORDER BY srcaddr, dst_service"
);
golden!(
    flow_time_in_a_zone,
    "SELECT start, flow_time(start) AS utc, flow_time(start, 'Asia/Tokyo') AS tokyo FROM flows ORDER BY start LIMIT 2"
);
golden!(
    source_path_column,
    "SELECT regexp_replace(\"$path\", '.*/tests/data/', '') AS path, COUNT(*) FROM flows GROUP BY 1 ORDER BY 1"
);
golden!(
    top_report_with_filter_words,
    &vpcflow_engine::reports::top(
        &[vpcflow_engine::reports::key("srcip").unwrap()],
        vpcflow_engine::reports::By::Flows,
        5,
        Some(&vpcflow_engine::filter::to_sql("dst port 22 or dst port 3389").unwrap())
    )
);
golden!(stats_report, &vpcflow_engine::reports::stats(None));
golden!(
    timeline_report,
    &vpcflow_engine::reports::timeline(300, "UTC", None)
);

#[test]
fn explain_shows_only_the_needed_columns_are_read() {
    let engine = engine();
    let (_, batches) = engine
        .collect(
            "EXPLAIN SELECT dstport, COUNT(*) FROM flows WHERE action = 'REJECT' GROUP BY dstport",
        )
        .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(
        text.contains("file_type=flows, partitions=2, pieces=2, columns=[dstport, action]"),
        "{text}"
    );
}

#[test]
fn scan_spec_is_plain_data() {
    let engine = engine();
    let spec = engine.table().scan_spec(
        &[vpcflow_source::Column::from_name("srcaddr").unwrap()],
        2,
        8192,
    );
    let json = serde_json::to_string(&spec).unwrap();
    let back: vpcflow_engine::ScanSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
}

/// The rewrite of `COUNT(*)` beside one `COUNT(DISTINCT …)` into two group-bys gives the answers DataFusion
/// gives without it, NULLs, expressions as keys and empty inputs included.
#[test]
fn counts_with_one_distinct_agree_with_the_plain_plan() {
    let queries = [
        "SELECT dstport, COUNT(*) AS flows, COUNT(DISTINCT srcaddr) AS sources FROM flows \
         WHERE action = 'REJECT' GROUP BY dstport ORDER BY dstport",
        "SELECT log_status, COUNT(*), COUNT(srcaddr), COUNT(DISTINCT srcaddr), SUM(bytes), MIN(start), MAX(packets) \
         FROM flows GROUP BY log_status ORDER BY log_status",
        "SELECT dstport % 2 AS odd, COUNT(DISTINCT dstaddr), COUNT(*) FROM flows GROUP BY 1 ORDER BY 1",
        "SELECT COUNT(*), COUNT(DISTINCT interface_id) FROM flows",
        "SELECT COUNT(*), COUNT(DISTINCT interface_id) FROM flows WHERE action = 'NOPE'",
        "SELECT action, COUNT(*), COUNT(DISTINCT srcaddr) FROM flows WHERE action = 'NOPE' GROUP BY action",
    ];
    let engine = engine();
    let with: Vec<String> = queries.iter().map(|q| table(&engine, q)).collect();
    let (_, plan) = engine.collect(&format!("EXPLAIN {}", queries[0])).unwrap();
    let plan = arrow::util::pretty::pretty_format_batches(&plan)
        .unwrap()
        .to_string();
    assert!(plan.contains("__vpcflow_distinct"), "{plan}");
    assert!(
        engine
            .context()
            .remove_optimizer_rule("vpcflow_counts_with_one_distinct")
    );
    for (q, w) in queries.iter().zip(with) {
        assert_eq!(table(&engine, q), w);
    }
}

/// A plan executed twice (same or new task context) reads every piece both times, although partitions share
/// their pieces within an execution.
#[test]
fn a_plan_executed_twice_reads_everything_twice() {
    let engine = engine();
    let sql = "SELECT COUNT(*) AS n FROM flows";
    let (_, once) = engine.collect(sql).unwrap();
    let expected = arrow::util::pretty::pretty_format_batches(&once)
        .unwrap()
        .to_string();
    let plan = engine
        .block_on(async {
            engine
                .context()
                .sql(sql)
                .await?
                .create_physical_plan()
                .await
        })
        .unwrap();
    let task = engine.context().task_ctx();
    for context in [task.clone(), task, engine.context().task_ctx()] {
        let batches = engine
            .block_on(datafusion::physical_plan::collect(plan.clone(), context))
            .unwrap();
        assert_eq!(
            arrow::util::pretty::pretty_format_batches(&batches)
                .unwrap()
                .to_string(),
            expected
        );
    }
}

#[test]
fn enrichment_functions() {
    let engine = engine();
    let sql = "SELECT ip_country('8.8.8.8') AS c, ip_asn('1.1.1.1') AS a, ip_org('1.1.1.1') AS o, \
               ip_asn('2001:4860:4860::8888') AS a6, ip_country('10.0.0.1') AS private, ip_asn('nonsense') AS bad, \
               cardinality(ip_lists('1.1.1.1')) AS lists";
    insta::assert_snapshot!(table(&engine, sql), @r"
    SELECT ip_country('8.8.8.8') AS c, ip_asn('1.1.1.1') AS a, ip_org('1.1.1.1') AS o, ip_asn('2001:4860:4860::8888') AS a6, ip_country('10.0.0.1') AS private, ip_asn('nonsense') AS bad, cardinality(ip_lists('1.1.1.1')) AS lists
    +----+-------+------------------+-------+---------+-----+-------+
    | c  | a     | o                | a6    | private | bad | lists |
    +----+-------+------------------+-------+---------+-----+-------+
    | US | 13335 | Cloudflare, Inc. | 15169 |         |     | 0     |
    +----+-------+------------------+-------+---------+-----+-------+
    ");
    // Over the table's address columns (views), grouped.
    let by_country = "SELECT ip_country(dstaddr) AS cc, count(*) AS n FROM flows \
                      WHERE NOT is_private(dstaddr) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3";
    let (_, batches) = engine.collect(by_country).unwrap();
    assert!(!batches.is_empty());
}

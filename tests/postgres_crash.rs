//! Crash safety of the PostgreSQL store: a writer process killed at random moments never
//! leaves a partial batch, never loses a batch it was told was appended, and leaves a store
//! that still works.
//!
//! The test re-runs its own binary as the writer (selected by an environment variable),
//! which appends batches of 5 and prints one line per acknowledged batch. The parent kills it
//! with SIGKILL 20 to 150 ms in, then reconnects and checks the store against the
//! acknowledgements, 24 times over. Needs `LSAA_TEST_POSTGRES_URL`
//! (see `scripts/pg-test-server.sh`); without it the test says so and passes.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lsaa_runtime::{
    EventStore, ExpectedVersion, Metadata, NewEvent, PostgresOptions, PostgresStore, RecordedEvent,
    StreamId, StreamRange,
};

const URL_VAR: &str = "LSAA_TEST_POSTGRES_URL";
/// Set in the writer child: the schema to write to.
const CHILD_SCHEMA_VAR: &str = "LSAA_CRASH_WRITER_SCHEMA";
const CHILD_TEST: &str = "writer_child_process";
const SKIPPED: &str =
    "PostgreSQL tests skipped: set LSAA_TEST_POSTGRES_URL (see scripts/pg-test-server.sh)";

const ROUNDS: usize = 24;
const BATCH: usize = 5;
/// Streams the child writes concurrently, one task each.
const STREAMS: usize = 3;
/// The child stops by itself after this long, should the parent fail to kill it.
const CHILD_LIFETIME: Duration = Duration::from_secs(10);

fn url() -> Option<String> {
    std::env::var(URL_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn stream(index: usize) -> StreamId {
    StreamId::new("Crash", format!("s{index}"))
}

/// One acknowledged batch, as the child printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    stream: usize,
    first_version: u64,
    first_position: u64,
    batch: String,
}

impl Ack {
    /// `ACK <stream> <first version> <first position> <batch id>`; anything else (the
    /// harness's own lines) is `None`.
    fn parse(line: &str) -> Option<Self> {
        let mut words = line.strip_prefix("ACK ")?.split(' ');
        let ack = Self {
            stream: words.next()?.parse().ok()?,
            first_version: words.next()?.parse().ok()?,
            first_position: words.next()?.parse().ok()?,
            batch: words.next()?.to_owned(),
        };
        words.next().is_none().then_some(ack)
    }
}

/// The writer: appends batches of [`BATCH`] to [`STREAMS`] streams until killed.
#[test]
fn writer_child_process() {
    // Only a child started by the crash test does anything here.
    let (Some(schema), Some(url)) = (std::env::var_os(CHILD_SCHEMA_VAR), url()) else {
        return;
    };
    let schema = schema.to_string_lossy().into_owned();
    let round = std::env::var("LSAA_CRASH_ROUND").unwrap_or_default();
    runtime().block_on(async move {
        let options = PostgresOptions::default().schema(schema).pool_size(STREAMS);
        let store = PostgresStore::connect_with(&url, options)
            .await
            .expect("child connects");
        let started = Instant::now();
        let mut writers = Vec::new();
        for index in 0..STREAMS {
            let store = store.clone();
            let round = round.clone();
            writers.push(tokio::spawn(async move {
                let stream = stream(index);
                let mut version = store.stream_version(&stream).await.expect("version");
                let mut n = 0_u32;
                while started.elapsed() < CHILD_LIFETIME {
                    let batch = format!("r{round}-s{index}-b{n}");
                    let events = (0..BATCH)
                        .map(|i| {
                            let payload = format!(r#"{{"batch":"{batch}","i":{i}}}"#);
                            NewEvent::new("Written", 1, payload, Metadata::new())
                        })
                        .collect();
                    let appended = store
                        .append(&stream, ExpectedVersion::Exactly(version), events)
                        .await
                        .expect("append");
                    // Printed only once `append` returned: the batch is durable.
                    let line = format!(
                        "ACK {index} {} {} {batch}\n",
                        version + 1,
                        appended.positions[0]
                    );
                    let mut stdout = std::io::stdout().lock();
                    stdout.write_all(line.as_bytes()).expect("stdout");
                    stdout.flush().expect("stdout");
                    version = appended.version;
                    n += 1;
                }
            }));
        }
        for writer in writers {
            writer.await.expect("writer task");
        }
    });
}

/// A small xorshift generator: the delays only need to be spread, and the seed is printed.
struct Random(u64);

impl Random {
    fn between(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        low + self.0 % (high - low + 1)
    }
}

#[test]
fn killed_writers_lose_no_acknowledged_batch_and_leave_none_partial() {
    if std::env::var_os(CHILD_SCHEMA_VAR).is_some() {
        return;
    }
    let Some(url) = url() else {
        // Straight to the file descriptor: the harness captures `eprintln!`.
        let _ = writeln!(std::io::stderr(), "{SKIPPED}");
        return;
    };
    // `LSAA_CRASH_SEED` replays the kill delays of a printed seed.
    let seed = std::env::var("LSAA_CRASH_SEED")
        .ok()
        .and_then(|seed| u64::from_str_radix(seed.trim_start_matches("0x"), 16).ok())
        .unwrap_or_else(|| {
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| {
                d.as_secs().rotate_left(32) ^ u64::from(d.subsec_nanos())
            })
        })
        | 1;
    let mut random = Random(seed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!("lsaa_crash_{}_{nanos}", std::process::id());
    let runtime = runtime();
    let connect = || {
        let options = PostgresOptions::default().schema(&schema).pool_size(2);
        runtime
            .block_on(PostgresStore::connect_with(&url, options))
            .expect("connect")
    };
    // Created up front, so the children do not race to migrate on round one.
    connect();

    let mut acks: Vec<Ack> = Vec::new();
    let mut in_flight_rounds = 0;
    let mut unacknowledged = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_SCHEMA_VAR, &schema)
            .env("LSAA_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the writer");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        let delay = random.between(20, 150);
        std::thread::sleep(Duration::from_millis(delay));
        if let Some(status) = child.try_wait().expect("child status") {
            panic!("round {round}: the writer exited by itself ({status}) within {delay} ms");
        }
        child.kill().expect("SIGKILL the writer");
        child.wait().expect("reap the writer");
        let round_acks: Vec<Ack> = lines
            .join()
            .expect("stdout reader")
            .iter()
            .filter_map(|line| Ack::parse(line))
            .collect();
        acks.extend(round_acks.iter().cloned());

        let store = connect();
        let stored_batches = runtime.block_on(verify(&store, &acks, round));
        // Batches that committed but whose acknowledgement the kill cut off.
        let now_unacknowledged = stored_batches - acks.len();
        if now_unacknowledged > unacknowledged {
            in_flight_rounds += 1;
        }
        unacknowledged = now_unacknowledged;
        println!(
            "round {round}: killed after {delay} ms, {} batches acknowledged, {stored_batches} \
             stored in all",
            round_acks.len()
        );
    }
    println!(
        "seed {seed:#x}: {} batches acknowledged over {ROUNDS} kills; {in_flight_rounds} kills \
         landed between a commit and its acknowledgement",
        acks.len()
    );
    assert!(
        !acks.is_empty(),
        "no writer ever acknowledged a batch: the test did not exercise anything"
    );
    // The schema stays behind: the store has no way to drop itself, and this package has no
    // PostgreSQL client of its own. It is unique per run, in a throwaway test database.
}

/// Checks the store after a kill; returns how many writer batches it holds.
///
/// A statement the writer sent just before it died may still commit after the kill (the
/// server notices the lost client only when it answers), so the checks work on one
/// `read_all`, a single statement and so a single snapshot, and then only require the
/// per-stream reads to extend it.
async fn verify(store: &PostgresStore, acks: &[Ack], round: usize) -> usize {
    let everything = store.read_all(0, usize::MAX).await.expect("read_all");
    assert!(
        everything.windows(2).all(|w| w[0].position < w[1].position),
        "round {round}: read_all out of order"
    );
    let mut by_stream: BTreeMap<StreamId, Vec<RecordedEvent>> = BTreeMap::new();
    for event in everything {
        by_stream
            .entry(event.stream.clone())
            .or_default()
            .push(event);
    }
    let probes = StreamId::new("Crash", "probe");
    let writer_streams: Vec<StreamId> = (0..STREAMS).map(stream).collect();
    for (stream, events) in &by_stream {
        assert!(
            *stream == probes || writer_streams.contains(stream),
            "round {round}: unexpected stream {stream}"
        );
        assert!(
            events.iter().map(|e| e.version).eq(1..=events.len() as u64),
            "round {round}: versions of {stream} are not gap-free"
        );
    }

    let mut batches = 0;
    for (index, stream) in writer_streams.iter().enumerate() {
        let events = by_stream.get(stream).map_or(&[][..], Vec::as_slice);
        assert_eq!(
            events.len() % BATCH,
            0,
            "round {round}: {stream} ends in a partial batch"
        );
        for chunk in events.chunks(BATCH) {
            check_whole_batch(chunk, round);
            batches += 1;
        }
        for ack in acks.iter().filter(|ack| ack.stream == index) {
            let Some(first) = usize::try_from(ack.first_version - 1)
                .ok()
                .and_then(|i| events.get(i))
            else {
                panic!("round {round}: acknowledged batch {} is missing", ack.batch);
            };
            assert_eq!(
                batch_of(first),
                ack.batch,
                "round {round}: another batch at version {}",
                ack.first_version
            );
            assert_eq!(first.position, ack.first_position, "round {round}");
        }
        let read = store
            .read_stream(stream, StreamRange::all())
            .await
            .expect("read the stream");
        assert!(
            read.starts_with(events),
            "round {round}: read_stream of {stream} does not extend read_all"
        );
        assert_eq!(
            read.len() % BATCH,
            0,
            "round {round}: partial batch in {stream}"
        );
        read.chunks(BATCH)
            .for_each(|chunk| check_whole_batch(chunk, round));
    }

    // The store still takes writes and reads them back.
    let probe = NewEvent::new(
        "Probed",
        1,
        format!(r#"{{"round":{round}}}"#),
        Metadata::new(),
    );
    let appended = store
        .append(&probes, ExpectedVersion::Any, vec![probe.clone()])
        .await
        .expect("the store still works");
    let read = store
        .read_stream(&probes, StreamRange::all().from_version(appended.version))
        .await
        .expect("read the probe");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].id, probe.id);
    batches
}

fn batch_of(event: &RecordedEvent) -> String {
    let payload: serde_json::Value = serde_json::from_str(&event.payload).expect("payload");
    payload["batch"].as_str().expect("batch id").to_owned()
}

/// The events of one batch: one id, items 0 to 4, consecutive positions, one time.
fn check_whole_batch(chunk: &[RecordedEvent], round: usize) {
    let batch = batch_of(&chunk[0]);
    for (i, event) in chunk.iter().enumerate() {
        let payload: serde_json::Value = serde_json::from_str(&event.payload).expect("payload");
        assert_eq!(
            payload["batch"],
            batch.as_str(),
            "round {round}: batches interleave"
        );
        assert_eq!(payload["i"], i, "round {round}: batch {batch} out of order");
        assert_eq!(
            event.position,
            chunk[0].position + i as u64,
            "round {round}"
        );
        assert_eq!(event.recorded_at, chunk[0].recorded_at, "round {round}");
    }
}

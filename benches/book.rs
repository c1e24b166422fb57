//! Order book speed: a million random orders submitted into one book, with and without cancels.
//!
//! `cargo bench --bench book`. Orders come from a fixed LCG so every run sees the same stream:
//! buyers (owners 1..=1000) and sellers (half of them the operator, owner 0, half buyers
//! reselling) all quote whole cents between 0.90 and 1.20, 1..=100 rps, one order in five IOC.
//! About 40% of the orders trade (0.7 fills per order) and ~130,000 rest at the end.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use surplus::core::book::{Book, Order, Side, TimeInForce};
use surplus::core::money::Money;

const ORDERS: usize = 1_000_000;

/// Knuth's MMIX LCG; the high bits are the good ones.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn orders(rng: &mut Lcg, n: usize) -> Vec<Order> {
    (0..n)
        .map(|i| {
            let side = if rng.next(2) == 0 { Side::Buy } else { Side::Sell };
            let owner = match side {
                Side::Sell if rng.next(2) == 0 => 0,
                _ => 1 + rng.next(1000) as u32,
            };
            let limit = Money((90 + rng.next(31) as i64) * 10_000);
            let tif = if rng.next(5) == 0 { TimeInForce::Ioc } else { TimeInForce::Gtc };
            Order { id: i as i64 + 1, side, owner, rps: 1 + rng.next(100) as i64, limit, tif }
        })
        .collect()
}

enum Op {
    Submit(Order),
    Cancel(i64),
}

/// The same kind of stream with one operation in five a cancel of an order that is resting at
/// that point: the stream is played once on a book here to know which those are, and replaying it
/// on a fresh book does the same, as matching is deterministic.
fn ops(rng: &mut Lcg, n: usize) -> Vec<Op> {
    let mut book = Book::new();
    // Ids that rested; some have been filled since, and are dropped when drawn.
    let mut rested = Vec::new();
    let mut out = Vec::with_capacity(n);
    for o in orders(rng, n) {
        if rng.next(5) == 0 {
            while !rested.is_empty() {
                let id = rested.swap_remove(rng.next(rested.len() as u64) as usize);
                if book.cancel(id).is_some() {
                    out.push(Op::Cancel(id));
                    break;
                }
            }
        } else {
            let id = o.id;
            if book.submit(o.clone()).unwrap().rested > 0 {
                rested.push(id);
            }
            out.push(Op::Submit(o));
        }
    }
    out
}

fn book(c: &mut Criterion) {
    let stream = orders(&mut Lcg(1), ORDERS);
    let mixed = ops(&mut Lcg(2), ORDERS);
    let mut group = c.benchmark_group("book");
    group.throughput(Throughput::Elements(ORDERS as u64)).sample_size(10);
    group.bench_function("submit_1m", |b| {
        // The book is returned so that freeing it happens outside the timing.
        b.iter_with_large_drop(|| {
            let mut book = Book::new();
            let mut fills = 0;
            for o in &stream {
                fills += book.submit(black_box(o.clone())).unwrap().fills.len();
            }
            (book, fills)
        });
    });
    group.bench_function("submit_into_1m", |b| {
        b.iter_with_large_drop(|| {
            let mut book = Book::new();
            let mut fills = Vec::new();
            for o in &stream {
                fills.clear();
                book.submit_into(black_box(o.clone()), &mut fills).unwrap();
            }
            book
        });
    });
    group.throughput(Throughput::Elements(mixed.len() as u64));
    group.bench_function("submit_and_cancel_1m", |b| {
        b.iter_with_large_drop(|| {
            let mut book = Book::new();
            let mut n = 0;
            for op in &mixed {
                n += match op {
                    Op::Submit(o) => book.submit(black_box(o.clone())).unwrap().fills.len(),
                    Op::Cancel(id) => usize::from(book.cancel(black_box(*id)).is_some()),
                };
            }
            (book, n)
        });
    });
    // What storage does before each submission: rebuild the book from its resting orders.
    let mut resting = Book::new();
    for o in &stream {
        resting.submit(o.clone()).unwrap();
    }
    let mut rows: Vec<Order> = resting.orders(Side::Buy).chain(resting.orders(Side::Sell)).cloned().collect();
    rows.sort_by_key(|o| o.id);
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function(format!("rest_{}k", rows.len() / 1000), |b| {
        b.iter_with_large_drop(|| {
            let mut book = Book::new();
            for o in &rows {
                book.rest(black_box(o.clone())).unwrap();
            }
            book
        });
    });
    group.finish();
}

criterion_group!(benches, book);
criterion_main!(benches);

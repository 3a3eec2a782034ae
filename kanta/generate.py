"""Synthetic web shop: raw order, customer and product files for the kanta pipeline.

`generate(config)` writes one file per table (CSV or Parquet) plus `manifest.json`
into `config.out_dir`.  Everything is drawn from numpy generators seeded from
`config.seed`, so the same arguments always give byte-identical files.  All work
is vectorised (numpy arrays and Arrow compute); nothing loops per order or per
customer, so ten million orders take about half a minute on two cores.

Parts
-----
A shop is drawn in memory one part at a time, so memory follows the size of a
part (~0.55 GB per million orders, 5.7 GB peak for parts of 10M orders and 1M
customers), not of the shop.  A shop with more than `PART_ORDERS` orders
(`GenerateConfig.part_orders`) or `PART_CUSTOMERS` customers is split into k
parts of about orders/k orders and customers/k customers (see `Part`):

* each part is an independent sub-shop with random streams of its own, derived
  from the seed and the part index (part 0 uses the streams of a shop of one part);
* each part numbers its order ids, customer ids and email addresses from its own
  base, leaving room after its rows for the fresh ids of its bad rows, so no key
  or address of one part occurs in another (one id width for the whole shop);
* all parts draw from one product catalogue, sized for the whole shop and
  written once (by part 0, with its bad rows);
* each part's rows, bad rows included, are appended to the files and freed
  before the next part is drawn.

A shop that fits in one part is drawn as a single part with ids from 1.

Outline of the model
--------------------
* A calendar gives every day an intensity (month, weekday, Black Friday week,
  Christmas, slow growth).  Times are drawn through that intensity ("warped"),
  which produces the seasonality; hours follow weekday, weekend and business
  hour profiles.
* Customers are prospects (no orders), one-time buyers, repeat buyers with a
  steady personal interval, a few VIPs with many orders, and ~3% B2B accounts.
  Some repeat buyers are subscribers who buy one consumable on a fixed cycle
  (real days, e.g. every 30 days +- 2).  Guest identities (checkout without an
  account) only exist in the orders file.
* Some buyers go through a life event (new pet, baby or home): one order (or
  two orders within 30 days) holds at least three of the event's trigger
  categories, and their later orders lean towards the event's follow-up
  categories.
* Bad rows are added as extra rows (see `_bad_orders` and friends) and every
  row's expected fate in the pipeline is tracked to produce the manifest.

Files
-----
CSV: a header row, ',' between fields, '\n' line ends, UTF-8.  Only product
names need quoting (commas, and '"' written as '""'); no value holds a line
break.  Timestamps are 'YYYY-MM-DD HH:MM:SS', about 10% with a 'T' instead of
the space; money has two decimals ('12.50'); booleans are 'true'/'false', with
~1.5% of customers' is_business / marketing_consent spelled 'yes'/'no' or
'1'/'0'; absent values are empty.  Parquet: the same columns typed
(timestamp[us] without time zone, decimal(18,2), int32, bool; null when absent),
in row groups of at most a million rows (one or more per part).  A shop in parts
has one file per table: CSV parts after the first append their lines without a header.

Manifest
--------
For each table: rows_read (data rows, including lines a CSV reader rejects),
loaded, quarantined by reason, collapsed_duplicates, erased, and for orders
revenue (order_total - refunded_total) of the loaded, quarantined (where the
amounts parse) and erased rows.  The rules are those of the pipeline: see
`REASONS` for the order in which reasons apply.  For a shop in parts every figure
is the sum over the parts: each is a count or sum over rows, and the rules never
relate rows of two parts (duplicates and conflicts by id, orders of an erased
customer by id or by email address, lines by order id), because their ids and
addresses are disjoint; products are counted once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kanta.progress import StepProgress

# --------------------------------------------------------------------------------------
# Public constants
# --------------------------------------------------------------------------------------

FORMATS = ("csv", "parquet")
DEFAULT_START = date(2023, 1, 1)
DEFAULT_END = date(2025, 12, 31)  # exclusive
MIN_CUSTOMERS = 100
MIN_ORDERS = 100
# A shop is drawn in memory one part at a time: memory grows ~0.55 GB per million
# orders of a part (a part of 10M orders peaks at 5.7 GB with 1M customers, 7.0 GB
# with 5M and 9.1 GB with 10M), and Arrow string columns (32-bit offsets) would
# overflow at about 60 million orders in one part.  A shop with more than
# PART_ORDERS orders or PART_CUSTOMERS customers is generated as several parts
# of equal size.
PART_ORDERS = 10_000_000
PART_CUSTOMERS = 5_000_000
# Upper limits of a whole shop (parts are appended to the files, so these are
# bounded by time and disk, not memory).
MAX_CUSTOMERS = 50_000_000
MAX_ORDERS = 200_000_000

# Tables in the order they are written.
TABLES = ("products", "customers", "orders", "order_lines", "consent_events", "erasure_requests")

# Quarantine reasons, in the order the pipeline checks them (first match wins).
REASONS = (
    "unparseable_line",
    "missing_key",
    "unparseable_timestamp",
    "unparseable_amount",
    "unparseable_number",
    "unparseable_boolean",
    "negative_total",
    "negative_quantity",
    "refund_exceeds_total",
    "conflicting_duplicate",
    "order_quarantined",
    "line_without_order",
)
# Outcome label of an extra copy of an exactly identical row.
COLLAPSED = "collapsed"

# Share of rows that are bad (split over the kinds of a table, at least 2 per kind).
BAD_ROW_SHARE = 0.002
# Share of CSV timestamps written with a 'T' separator.
ISO_T_SHARE = 0.10

SECONDS_PER_DAY = 86_400
# Cells per category in the product draw table (popularity resolution).
DRAW_RESOLUTION = 4096

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpec:
    """One product category: price range in euros, popularity and name parts."""

    name: str
    consumable: bool
    price_low: float
    price_high: float
    popularity: float
    brand_pool: str
    nouns: tuple[str, ...]
    sizes: tuple[str, ...] = ("",)


CATEGORIES: tuple[CategorySpec, ...] = (
    # new_pet
    CategorySpec("collar", False, 8, 35, 0.4, "pet", ("Dog Collar", "Cat Collar", "Reflective Collar"), ("", ", S", ", M", ", L")),
    CategorySpec("leash", False, 9, 39, 0.4, "pet", ("Leash", "Retractable Leash", "Training Leash"), ("", ", 2 m", ", 5 m")),
    CategorySpec("pet bed", False, 25, 129, 0.3, "pet", ("Pet Bed", "Orthopedic Dog Bed", "Cat Cushion"), ("", ", 60 cm", ", 90 cm")),
    CategorySpec("puppy food", True, 12, 49, 0.3, "pet", ("Puppy Food Chicken", "Puppy Food Salmon", "Puppy Starter Food"), (", 2 kg", ", 5 kg", ", 12 kg")),
    CategorySpec("pet food", True, 9, 59, 2.0, "pet", ("Dog Food Beef", "Dog Food Lamb & Rice", "Cat Food Tuna", "Adult Dog Food"), (", 3 kg", ", 7 kg", ", 15 kg")),
    CategorySpec("grooming", False, 8, 45, 0.7, "pet", ("Grooming Brush", "Pet Shampoo", "Nail Clipper", "Deshedding Tool")),
    CategorySpec("training", False, 10, 60, 0.4, "pet", ("Training Treats", "Clicker Set", "Agility Kit", "Puppy Pads")),
    CategorySpec("chew toys", False, 4, 19, 0.7, "pet", ("Chew Bone", "Rope Toy", "Rubber Ball", "Squeaky Toy")),
    CategorySpec("vitamins", True, 8, 35, 1.5, "food", ("Multivitamin", "Vitamin D3", "Omega-3", "Joint Support"), ("", ", 60 caps", ", 120 caps")),
    # new_baby
    CategorySpec("diapers", True, 12, 39, 0.5, "baby", ("Diapers Size 1", "Diapers Size 3", "Diapers Size 5", "Pants Diapers"), (", 44 pcs", ", 88 pcs")),
    CategorySpec("baby bottles", False, 8, 30, 0.25, "baby", ("Baby Bottle", "Anti-Colic Bottle", "Bottle Starter Set"), ("", ", 150 ml", ", 260 ml")),
    CategorySpec("stroller", False, 199, 799, 0.12, "baby", ("Stroller", "Travel Stroller", "Pram")),
    CategorySpec("baby monitor", False, 49, 249, 0.12, "baby", ("Baby Monitor", "Video Baby Monitor", "Audio Baby Monitor")),
    CategorySpec("baby food", True, 2, 9, 0.5, "baby", ("Baby Porridge", "Fruit Puree", "Vegetable Puree"), (", 120 g", ", 200 g", ", 6 pcs")),
    CategorySpec("toys", False, 8, 60, 1.4, "baby", ("Building Blocks", "Plush Bear", "Wooden Train", "Puzzle")),
    CategorySpec("baby clothes", False, 9, 45, 0.7, "baby", ("Bodysuit", "Romper", "Sleepsuit", "Knitted Hat"), (", 56 cm", ", 68 cm", ", 80 cm")),
    # new_home
    CategorySpec("furniture", False, 79, 899, 0.4, "home", ("Sofa", "Bookshelf", "Dining Chair", "Desk", "Wardrobe")),
    CategorySpec("lighting", False, 15, 250, 0.5, "home", ("Floor Lamp", "Pendant Light", "Table Lamp", "LED Strip")),
    CategorySpec("kitchenware", False, 6, 120, 1.2, "home", ("Frying Pan", "Knife Set", "Saucepan", "Cutting Board"), ("", ", 24 cm", ", 28 cm")),
    CategorySpec("bedding", False, 20, 180, 0.5, "home", ("Duvet Cover Set", "Pillow", "Duvet", "Fitted Sheet"), ("", ", 150x210 cm", ", 50x60 cm")),
    CategorySpec("decor", False, 8, 120, 1.2, "home", ("Vase", "Wall Art", "Cushion Cover", "Candle Holder")),
    CategorySpec("cleaning supplies", True, 3, 19, 1.1, "home", ("Dish Soap", "Laundry Detergent", "All-Purpose Cleaner", "Microfiber Cloths"), (", 500 ml", ", 1 l", ", 3 pcs")),
    CategorySpec("plants", False, 6, 80, 0.9, "home", ("Monstera", "Snake Plant", "Pothos", "Olive Tree"), ("", ", 12 cm pot", ", 17 cm pot")),
    # general
    CategorySpec("books", False, 9, 39, 3.0, "general", ("Crime Novel", "Cookbook", "Travel Guide", "Children's Book", "Biography")),
    CategorySpec("electronics", False, 19, 699, 2.5, "general", ("Wireless Earbuds", "Bluetooth Speaker", 'Monitor 27"', "Phone Charger", "Smartwatch")),
    CategorySpec("running shoes", False, 59, 189, 1.2, "sport", ("Trail Running Shoes", "Road Running Shoes", "Racing Flats")),
    CategorySpec("sportswear", False, 19, 99, 1.8, "sport", ("Running Tights", "Training Shirt", "Hoodie", "Rain Jacket"), ("", ", S", ", M", ", L")),
    CategorySpec("water bottles", False, 9, 39, 1.0, "sport", ("Water Bottle", "Insulated Bottle", "Sports Bottle"), (", 500 ml", ", 750 ml", ", 1 l")),
    CategorySpec("garden", False, 9, 299, 1.0, "home", ("Garden Hose", "Pruning Shears", "Raised Bed", "Lawn Mower")),
    CategorySpec("beauty", False, 6, 69, 2.0, "general", ("Face Cream", "Shampoo", "Lip Balm", "Hand Cream"), ("", ", 50 ml", ", 250 ml")),
    CategorySpec("coffee", True, 6, 24, 2.5, "food", ("Dark Roast Coffee", "Medium Roast Coffee", "Espresso Beans", "Decaf Coffee"), (", 250 g", ", 500 g", ", 1 kg")),
    CategorySpec("tea", True, 4, 15, 1.2, "food", ("Green Tea", "Black Tea", "Herbal Tea", "Rooibos"), (", 20 bags", ", 100 g")),
    CategorySpec("board games", False, 15, 69, 0.8, "general", ("Strategy Game", "Family Game", "Card Game", "Party Game")),
    CategorySpec("stationery", False, 2, 25, 0.8, "general", ("Notebook", "Gel Pens", "Planner", "Sticky Notes"), ("", ", A5", ", 5 pcs")),
)
CATEGORY_INDEX: dict[str, int] = {c.name: i for i, c in enumerate(CATEGORIES)}


def _proportional_table(weights: list[float] | tuple[float, ...], cells: int) -> np.ndarray:
    """Indices repeated in proportion to their weights: a uniform cell is a weighted draw."""
    w = np.asarray(weights, dtype=np.float64)
    counts = np.maximum(1, np.round(w / w.sum() * cells)).astype(np.int64)
    return np.repeat(np.arange(w.size), counts)


# Lookup tables for frequent weighted draws (one random cell instead of a search).
GENERAL_CATEGORY_TABLE = _proportional_table([c.popularity for c in CATEGORIES], 1000)
LINES_PER_ORDER = 1 + _proportional_table([46, 27, 14, 7, 3, 2, 1], 100)
QTY_OTHER = 1 + _proportional_table([80, 13, 4, 2, 1], 100)
QTY_CONSUMABLE = 1 + _proportional_table([55, 30, 10, 5], 100)

BRAND_POOLS: dict[str, tuple[str, ...]] = {
    "pet": ("Tassu", "Polar Paws", "Hau & Co", "Karvakaveri"),
    "baby": ("Pikku", "Nalle Nordic", "Lullaby", "Tuutu"),
    "home": ("Koti", "Nordlys", "Huvila", "Aalto Living", "Kide"),
    "sport": ("Sisu Sport", "Revontuli", "Kestävä", "Juoksu"),
    "food": ("Paahtimo", "Kahvila", "Teehetki", "Vitala"),
    "general": ("Lumo", "Otava", "Vire", "Pohjola", "Kuura"),
}
NAME_ADJECTIVES = ("Classic", "Premium", "Eco", "Mini", "Pro", "Soft", "Nordic", "Everyday", "Deluxe", "Organic", "Original", "Smart")


@dataclass(frozen=True)
class LifeEvent:
    """Trigger categories bought together, then follow-up categories bought later."""

    name: str
    triggers: tuple[str, str, str, str]
    follow_ups: tuple[str, ...]
    weight: float


LIFE_EVENTS: tuple[LifeEvent, ...] = (
    LifeEvent("new_pet", ("collar", "leash", "pet bed", "puppy food"), ("pet food", "grooming", "training", "chew toys", "vitamins"), 0.4),
    LifeEvent("new_baby", ("diapers", "baby bottles", "stroller", "baby monitor"), ("baby food", "toys", "baby clothes"), 0.3),
    LifeEvent("new_home", ("furniture", "lighting", "kitchenware", "bedding"), ("decor", "cleaning supplies", "plants"), 0.3),
)

B2B_CATEGORIES = ("coffee", "tea", "cleaning supplies", "kitchenware", "electronics", "stationery", "furniture", "lighting", "water bottles")
# Consumables that subscribers buy on a cycle, with weights.
SUBSCRIPTION_CATEGORIES = {
    "coffee": 3.0, "pet food": 2.5, "vitamins": 1.5, "tea": 1.0, "diapers": 1.0,
    "cleaning supplies": 0.8, "baby food": 0.6, "puppy food": 0.3,
}
SUBSCRIPTION_CYCLES = np.array([14, 21, 28, 30, 30, 30, 30, 45, 60])


@dataclass(frozen=True)
class City:
    name: str
    country: str
    weight: float
    postcode_low: int
    postcode_high: int


CITIES: tuple[City, ...] = (
    City("Helsinki", "FI", 20, 100, 990),
    City("Espoo", "FI", 9, 2100, 2980),
    City("Tampere", "FI", 8, 33100, 33960),
    City("Vantaa", "FI", 7, 1300, 1770),
    City("Oulu", "FI", 6, 90100, 90980),
    City("Turku", "FI", 6, 20100, 20960),
    City("Jyväskylä", "FI", 4.5, 40100, 40950),
    City("Lahti", "FI", 4, 15100, 15980),
    City("Kuopio", "FI", 4, 70100, 70980),
    City("Pori", "FI", 2.5, 28100, 28900),
    City("Joensuu", "FI", 2, 80100, 80330),
    City("Lappeenranta", "FI", 2, 53100, 53920),
    City("Hämeenlinna", "FI", 2, 13100, 13720),
    City("Vaasa", "FI", 2, 65100, 65800),
    City("Seinäjoki", "FI", 1.5, 60100, 60800),
    City("Rovaniemi", "FI", 1.5, 96100, 96930),
    City("Stockholm", "SE", 4, 11120, 12999),
    City("Göteborg", "SE", 2, 41101, 41879),
    City("Malmö", "SE", 1.5, 21113, 21777),
    City("Uppsala", "SE", 1, 75218, 75758),
    City("Tallinn", "EE", 3, 10111, 13999),
    City("Tartu", "EE", 1, 50090, 51111),
)

FIRST_NAMES_F = ("anna", "maria", "liisa", "aino", "emma", "sofia", "helmi", "laura", "sanna", "kaisa",
                 "elina", "johanna", "tiina", "noora", "ella", "saara", "katja", "minna", "ida", "linnea")
FIRST_NAMES_M = ("mikko", "juha", "matti", "jari", "antti", "timo", "ville", "eino", "onni", "leo",
                 "jussi", "petri", "teemu", "lauri", "aleksi", "oskari", "erik", "anders", "toni", "sami")
LAST_NAMES = ("virtanen", "korhonen", "nieminen", "makinen", "hamalainen", "laine", "heikkinen", "koskinen",
              "jarvinen", "lehtonen", "lehtinen", "saarinen", "salminen", "heinonen", "niemi", "kinnunen",
              "salonen", "turunen", "lindqvist", "andersson", "tamm", "saar", "rantanen", "karjalainen")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "posti.example", "kotiposti.example")
COMPANY_WORDS = ("Nordic", "Baltic", "Arctic", "Pohjolan", "Lakeside", "Harbor", "Northern", "Metsä", "Kivi", "Saari",
                 "Virta", "Aamu", "Kallio", "Ranta")
COMPANY_TRADES = ("Trading", "Consulting", "Design", "Logistics", "Office", "Studio", "Foods", "Tech", "Works",
                  "Partners", "Dental", "Cafe")
COMPANY_SUFFIXES = ("Oy", "Oy", "Oy Ab", "Ab", "Tmi", "Ky", "AS", "AB")

COUPONS = ("WELCOME10", "WINBACK15", "VIP20", "SPRING5", "BLACKFRIDAY25")
COUPON_DISCOUNT_PCT = np.array([10, 15, 20, 5, 25])
(C_WELCOME, C_WINBACK, C_VIP, C_SPRING, C_BLACKFRIDAY) = range(5)

STATUSES = ("completed", "shipped", "delivered", "paid", "cancelled", "refunded", "pending")
(S_COMPLETED, S_SHIPPED, S_DELIVERED, S_PAID, S_CANCELLED, S_REFUNDED, S_PENDING) = range(7)

# Person roles.
(R_PROSPECT, R_ONE_TIME, R_REPEAT, R_VIP, R_GUEST) = range(5)

# Seasonality: month (Jan..Dec) and weekday (Mon..Sun) factors, and hour profiles.
MONTH_FACTOR = np.array([0.85, 0.80, 0.90, 0.92, 0.95, 0.88, 0.82, 0.90, 0.95, 1.00, 1.30, 1.55])
WEEKDAY_FACTOR = np.array([1.08, 1.02, 1.00, 0.98, 0.90, 0.78, 1.12])
HOUR_PROFILES = np.array([
    # weekday: quiet nights, lunch bump, evening peak 19-21
    [0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.6, 2.2, 2.6, 2.8, 3.0, 3.3, 3.0, 2.8, 2.8, 3.0, 3.4, 4.2, 5.0, 5.4, 4.9, 3.6, 1.8],
    # weekend: later mornings, busy afternoons, still an evening peak
    [0.8, 0.5, 0.3, 0.2, 0.15, 0.2, 0.4, 0.9, 1.6, 2.6, 3.4, 3.8, 4.0, 3.9, 3.7, 3.6, 3.6, 3.7, 4.0, 4.6, 4.9, 4.5, 3.3, 1.7],
    # business accounts: office hours
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.3, 1.5, 4.0, 5.0, 5.0, 4.0, 3.0, 4.0, 4.5, 4.0, 3.0, 1.0, 0.3, 0.2, 0.1, 0.05, 0.0, 0.0],
])

# Raw lines for the unparseable kinds.
BAD_TIMESTAMPS = ("not a date", "2024-13-45 10:00:00", "31/12/2024 25:61", "2024-02-30 25:61:00")
BAD_AMOUNTS = ("12,3x", "abc", "1.2.3", "EUR twelve")
BAD_NUMBERS = ("two", "1.5x", "three")
INVALID_UTF8 = b"\xff\xfe"

# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateConfig:
    """Arguments of one generator run."""

    customers: int
    orders: int
    out_dir: Path
    seed: int = 42
    fmt: str = "csv"
    start: date = DEFAULT_START
    end: date = DEFAULT_END
    bad_rows: bool = True
    progress: bool = True
    # Most orders in one part (tests make it small to get several parts).
    part_orders: int = PART_ORDERS

    @property
    def n_parts(self) -> int:
        """Number of parts: enough that none has more than part_orders orders or PART_CUSTOMERS customers."""
        return max(1, -(-self.orders // self.part_orders), -(-self.customers // PART_CUSTOMERS))

    def validate(self) -> None:
        """Raise ValueError for arguments the generator cannot honour."""
        if not MIN_CUSTOMERS <= self.customers <= MAX_CUSTOMERS:
            raise ValueError(f"--customers must be between {MIN_CUSTOMERS} and {MAX_CUSTOMERS}")
        if not MIN_ORDERS <= self.orders <= MAX_ORDERS:
            raise ValueError(f"--orders must be between {MIN_ORDERS} and {MAX_ORDERS}")
        if self.part_orders < MIN_ORDERS:
            raise ValueError(f"part_orders must be at least {MIN_ORDERS}")
        k = self.n_parts
        if self.orders // k < MIN_ORDERS:
            raise ValueError(f"--orders must be at least {k * MIN_ORDERS} for {self.customers} customers "
                             f"(the shop is generated in {k} parts of at least {MIN_ORDERS} orders)")
        if self.customers // k < MIN_CUSTOMERS:
            raise ValueError(f"--customers must be at least {k * MIN_CUSTOMERS} for {self.orders} orders "
                             f"(the shop is generated in {k} parts of at least {MIN_CUSTOMERS} customers)")
        if self.seed < 0:
            raise ValueError("--seed must be zero or positive")
        if self.fmt not in FORMATS:
            raise ValueError(f"--format must be one of {', '.join(FORMATS)}")
        if self.end <= self.start:
            raise ValueError("--end must be after --start")
        if self.start.year < 1970 or self.end.year > 9999:
            raise ValueError("dates must lie between 1970 and 9999")


def _rng(seed: int, stage: str, part: int = 0) -> np.random.Generator:
    """An independent generator per named stage (and part of the shop).

    Stages never share a stream, so an optional stage (bad rows, CSV rendering)
    cannot shift the values drawn by another one.  Part 0 (the whole shop when
    it has one part) uses the stage's stream; part i > 0 its own one.
    """
    entropy = [seed, zlib.crc32(stage.encode())]
    if part:
        entropy.append(part)
    return np.random.default_rng(entropy)


@dataclass(frozen=True)
class Part:
    """One part of the shop: an independent sub-shop, and where its keys start.

    Parts draw their own people and orders; keys are disjoint across parts because
    every part numbers its ids from its own base, with room after its rows for the
    fresh ids of its bad rows (see `_order_span`).  One product catalogue serves
    every part.
    """

    index: int
    count: int
    customers: int
    orders: int
    order_base: int  # the part's order ids are numbered order_base + 1, ..
    customer_base: int  # customer ids customer_base + 1, ..
    person_base: int  # the numbers in its email addresses: person_base + 1, ..
    order_width: int  # digits of every id in the shop
    customer_width: int

    @property
    def label(self) -> str:
        """Prefix of progress steps ('part 3/10: '), empty for a shop of one part."""
        return f"part {self.index + 1}/{self.count}: " if self.count > 1 else ""


def _order_span(n_orders: int) -> int:
    """Order id numbers reserved for a part: its orders and the fresh ids of its bad rows."""
    return n_orders + 2 * _fresh_bound(n_orders) + 10


def _customer_span(n_customers: int) -> int:
    """Customer id numbers reserved for a part: its customers and the fresh ids of its bad rows."""
    return n_customers + _fresh_bound(n_customers) + 10


def _guest_identities(n_orders: int) -> tuple[int, int]:
    """Guest checkout orders (~1%) and the number of guest identities placing them."""
    guest_orders = int(round(0.01 * n_orders))
    n_guest_ids = max(1, int(round(guest_orders / 1.12))) if guest_orders else 0
    return guest_orders, n_guest_ids


def _parts(config: GenerateConfig) -> list[Part]:
    """Split the shop into parts of (nearly) equal size, with disjoint id ranges."""
    k = config.n_parts
    orders = [config.orders * (i + 1) // k - config.orders * i // k for i in range(k)]
    customers = [config.customers * (i + 1) // k - config.customers * i // k for i in range(k)]
    order_base = np.cumsum([0] + [_order_span(m) for m in orders]).tolist()
    customer_base = np.cumsum([0] + [_customer_span(n) for n in customers]).tolist()
    person_base = np.cumsum([0] + [n + _guest_identities(m)[1] for n, m in zip(customers, orders)]).tolist()
    # One width for the whole shop: that of its highest id (for one part, as if drawn alone).
    order_width = max(7, len(str(order_base[-1])))
    customer_width = max(6, len(str(customer_base[-1])))
    return [
        Part(index=i, count=k, customers=customers[i], orders=orders[i], order_base=int(order_base[i]),
             customer_base=int(customer_base[i]), person_base=int(person_base[i]),
             order_width=order_width, customer_width=customer_width)
        for i in range(k)
    ]


# --------------------------------------------------------------------------------------
# Arrow helpers (fast string building)
# --------------------------------------------------------------------------------------


# ASCII digit pairs '00'..'99', for writing two digits per division.
_DIGIT_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as an (n, width) uint8 matrix."""
    x = np.asarray(values, dtype=np.int64)
    if x.size and (x.min() < 0 or x.max() >= 10**width):
        raise ValueError(f"value does not fit in {width} digits")
    x = x.astype(np.uint32 if width <= 9 else np.uint64)  # 32-bit division is faster
    out = np.empty((x.size, width), dtype=np.uint8)
    pos = width
    while pos >= 2:
        x, pair = np.divmod(x, 100)
        out[:, pos - 2:pos] = _DIGIT_PAIRS[pair]
        pos -= 2
    if pos == 1:
        out[:, 0] = x + 48
    return out


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    """Arrow validity bitmap from a boolean mask (None when everything is valid)."""
    if valid is None or bool(np.all(valid)):
        return None
    return pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))


def _strings_from_matrix(chars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A string array whose values are the fixed-width rows of a uint8 matrix."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.Array.from_buffers(
        pa.string(), n, [_validity(valid), pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _id_chars(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Ids like 'O00001234' (a prefix and a zero-padded number) as an (n, w) uint8 matrix."""
    raw = prefix.encode()
    chars = np.empty((len(numbers), len(raw) + width), dtype=np.uint8)
    chars[:, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    chars[:, len(raw):] = _digits(numbers, width)
    return chars


def _ids(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """Ids like 'O00001234' as a string array."""
    return _strings_from_matrix(_id_chars(prefix, numbers, width), valid)


def _gather_rows(chars: np.ndarray, index: np.ndarray) -> np.ndarray:
    """chars[index] for a fixed-width byte matrix, moving each row as one item."""
    rows = np.ascontiguousarray(chars).view(np.dtype((np.void, chars.shape[1]))).ravel()
    return rows[index].view(np.uint8).reshape(len(index), chars.shape[1])


def _money(cents: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """decimal(18,2) array from integer cents (the decimal's unscaled value)."""
    c = np.asarray(cents, dtype=np.int64)
    words = np.empty((c.size, 2), dtype=np.int64)
    words[:, 0] = c
    words[:, 1] = c >> 63  # sign extension of the 128-bit value
    return pa.Array.from_buffers(pa.decimal128(18, 2), c.size, [_validity(valid), pa.py_buffer(words)])


def _timestamps(seconds: np.ndarray) -> pa.Array:
    """timestamp[us] array (no time zone) from seconds since 1970."""
    return pa.array((np.asarray(seconds, dtype=np.int64) * 1_000_000).astype("datetime64[us]"))


def _format_timestamps(seconds: np.ndarray, t_separator: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' strings, with 'T' instead of the space where asked."""
    secs = np.asarray(seconds, dtype=np.int64)
    days = secs // SECONDS_PER_DAY
    sod = secs - days * SECONDS_PER_DAY
    d64 = days.astype("datetime64[D]")
    month_start = d64.astype("datetime64[M]")
    year = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (d64 - month_start).astype(np.int64) + 1
    chars = np.empty((secs.size, 19), dtype=np.uint8)
    chars[:, 0:4] = _digits(year, 4)
    chars[:, 4] = ord("-")
    chars[:, 5:7] = _digits(month, 2)
    chars[:, 7] = ord("-")
    chars[:, 8:10] = _digits(day, 2)
    chars[:, 10] = np.where(t_separator, ord("T"), ord(" "))
    chars[:, 11:13] = _digits(sod // 3600, 2)
    chars[:, 13] = ord(":")
    chars[:, 14:16] = _digits(sod // 60 % 60, 2)
    chars[:, 16] = ord(":")
    chars[:, 17:19] = _digits(sod % 60, 2)
    return _strings_from_matrix(chars)


def _pick(values: tuple[str, ...] | list[str], index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings chosen from a small vocabulary by index (null where not valid)."""
    idx = pa.array(np.asarray(index, dtype=np.int64), mask=None if valid is None else ~np.asarray(valid, dtype=bool))
    return pa.array(list(values), type=pa.string()).take(idx)


def _int_column(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int32), mask=None if valid is None else ~np.asarray(valid, dtype=bool))


def _column_seconds(table: pa.Table, name: str) -> np.ndarray:
    """A timestamp[us] column as int64 seconds."""
    micros = table.column(name).combine_chunks().cast(pa.int64()).to_numpy(zero_copy_only=False)
    return micros // 1_000_000


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    """Replace one column of a table (keeping its type)."""
    i = table.schema.get_field_index(name)
    return table.set_column(i, table.schema.field(i), values.cast(table.schema.field(i).type))


def _format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    c = abs(int(cents))
    return f"{sign}{c // 100}.{c % 100:02d}"


# --------------------------------------------------------------------------------------
# Calendar and seasonality
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Per-day facts of the [start, end) range and the cumulative order intensity."""

    n_days: int
    epoch0: int  # start date 00:00:00 as seconds since 1970
    month: np.ndarray  # 1..12
    weekday: np.ndarray  # 0 = Monday .. 6 = Sunday
    black_week: np.ndarray  # Black Friday .. Cyber Monday
    cum_full: np.ndarray  # cumulative intensity, scaled to 0..n_days
    cum_damped: np.ndarray  # the same with a flatter intensity (power 0.7)

    @property
    def epoch_end(self) -> int:
        return self.epoch0 + self.n_days * SECONDS_PER_DAY

    def warp(self, u: np.ndarray, damped: bool = False) -> np.ndarray:
        """Map points of 'intensity time' (0..n_days) to calendar day indices."""
        cum = self.cum_damped if damped else self.cum_full
        day = np.searchsorted(cum, u, side="right") - 1
        return np.clip(day, 0, self.n_days - 1)


def _calendar(start: date, end: date) -> Calendar:
    n_days = (end - start).days
    epoch_day = (start - date(1970, 1, 1)).days
    days = np.arange(n_days, dtype=np.int64) + epoch_day
    d64 = days.astype("datetime64[D]")
    month = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    growth = 1.0 + 0.35 * np.arange(n_days) / max(n_days, 1)
    intensity = MONTH_FACTOR[month - 1] * WEEKDAY_FACTOR[weekday] * growth
    # Black Friday is the Friday between the 22nd and 28th of November.
    black_friday = np.flatnonzero((month == 11) & (weekday == 4) & (dom >= 22) & (dom <= 28))
    black_week = np.zeros(n_days, dtype=bool)
    for offset, factor in ((0, 2.6), (1, 1.6), (2, 1.5), (3, 2.0)):
        idx = black_friday + offset
        idx = idx[idx < n_days]
        intensity[idx] *= factor
        black_week[idx] = True
    for m, d, factor in ((12, 24, 0.5), (12, 25, 0.45), (12, 26, 0.7), (1, 1, 0.6)):
        intensity[(month == m) & (dom == d)] *= factor

    def cumulative(x: np.ndarray) -> np.ndarray:
        c = np.concatenate([[0.0], np.cumsum(x)])
        return c * (n_days / c[-1])

    return Calendar(
        n_days=n_days,
        epoch0=epoch_day * SECONDS_PER_DAY,
        month=month,
        weekday=weekday,
        black_week=black_week,
        cum_full=cumulative(intensity),
        cum_damped=cumulative(intensity**0.7),
    )


def _seconds_of_day(rng: np.random.Generator, cal: Calendar, day: np.ndarray, business: np.ndarray) -> np.ndarray:
    """Time of day in seconds, from the weekday, weekend or business hour profile."""
    profile = np.where(business, 2, (cal.weekday[day] >= 5).astype(np.int64))
    cum = np.cumsum(HOUR_PROFILES, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(day.size)
    hour = np.empty(day.size, dtype=np.int64)
    for k in range(HOUR_PROFILES.shape[0]):
        sel = profile == k
        hour[sel] = np.searchsorted(cum[k], u[sel], side="right")
    hour = np.minimum(hour, 23)
    return hour * 3600 + rng.integers(0, 3600, day.size)


# --------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Products; index i is product id number i + 1."""

    category: np.ndarray
    price_cents: np.ndarray
    consumable: np.ndarray
    names: list[str]
    brands: list[str]
    draw_table: np.ndarray  # (categories, DRAW_RESOLUTION): products laid out by popularity

    @property
    def size(self) -> int:
        return int(self.category.size)

    def draw(self, rng: np.random.Generator, categories: np.ndarray) -> np.ndarray:
        """One product per requested category, weighted by popularity (a table lookup)."""
        cell = rng.integers(0, DRAW_RESOLUTION, categories.size)
        return self.draw_table[categories, cell].astype(np.int64)


def _catalogue(n_customers: int, rng: np.random.Generator) -> Catalogue:
    """A few hundred products; the catalogue grows with the logarithm of the shop size."""
    target = 150 + 25 * math.log2(n_customers)
    weight = np.sqrt([c.popularity for c in CATEGORIES])
    counts = np.maximum(4, np.round(target * weight / weight.sum())).astype(np.int64)
    category = np.repeat(np.arange(len(CATEGORIES)), counts)
    rng.shuffle(category)  # product ids are not grouped by category
    n = category.size

    names: list[str] = [""] * n
    brands: list[str] = [""] * n
    for c, spec in enumerate(CATEGORIES):
        members = np.flatnonzero(category == c)
        pool = BRAND_POOLS[spec.brand_pool]
        combos = len(pool) * len(NAME_ADJECTIVES) * len(spec.nouns) * len(spec.sizes)
        picks = rng.choice(combos, size=members.size, replace=members.size > combos)
        for product, pick in zip(members.tolist(), picks.tolist()):
            pick, b = divmod(pick, len(pool))
            pick, a = divmod(pick, len(NAME_ADJECTIVES))
            s, noun = divmod(pick, len(spec.nouns))
            brands[product] = pool[b]
            names[product] = f"{pool[b]} {NAME_ADJECTIVES[a]} {spec.nouns[noun]}{spec.sizes[s]}"

    low = np.array([CATEGORIES[c].price_low for c in category])
    high = np.array([CATEGORIES[c].price_high for c in category])
    euros = np.exp(rng.uniform(np.log(low), np.log(high)))
    endings = rng.choice(np.array([90, 95, 99, 0]), size=n, p=[0.4, 0.2, 0.3, 0.1])
    price = np.maximum(np.floor(euros), 1).astype(np.int64) * 100 + endings
    consumable = np.array([CATEGORIES[c].consumable for c in category])

    # Zipf-like popularity within each category, by a random rank.
    rank = np.empty(n, dtype=np.int64)
    for c in range(len(CATEGORIES)):
        members = np.flatnonzero(category == c)
        rank[members] = rng.permutation(members.size) + 1
    popularity = 1.0 / rank**0.9
    # Each category gets DRAW_RESOLUTION cells shared out by popularity, so that
    # drawing a product is one random cell (popularity quantised to 1/4096).
    draw_table = np.empty((len(CATEGORIES), DRAW_RESOLUTION), dtype=np.int32)
    cells = (np.arange(DRAW_RESOLUTION) + 0.5) / DRAW_RESOLUTION
    for c in range(len(CATEGORIES)):
        members = np.flatnonzero(category == c)
        members = members[np.argsort(rank[members])]
        cum = np.cumsum(popularity[members])
        cum /= cum[-1]
        draw_table[c] = members[np.minimum(np.searchsorted(cum, cells), members.size - 1)]
    return Catalogue(
        category=category,
        price_cents=price,
        consumable=consumable,
        names=names,
        brands=brands,
        draw_table=draw_table,
    )


# --------------------------------------------------------------------------------------
# People: customers and guest identities
# --------------------------------------------------------------------------------------


@dataclass
class Persons:
    """Everyone who may order. Index < n_customers: customers; the rest: guest identities."""

    n_customers: int
    k: np.ndarray  # number of orders
    role: np.ndarray
    b2b: np.ndarray
    city: np.ndarray
    postcode: np.ndarray
    last: np.ndarray  # last name index (emails, company names)
    female: np.ndarray
    fav: np.ndarray  # (n, 2) favourite category indices
    sub_product: np.ndarray  # subscribed consumable product or -1
    cycle: np.ndarray  # subscription cycle in days
    event: np.ndarray  # life event index or -1
    event_seq: np.ndarray  # which of their orders (in time order) starts the event
    email: pa.Array

    @property
    def size(self) -> int:
        return int(self.k.size)


def _allocate_orders(n_customers: int, n_orders: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Orders per person and roles, summing exactly to n_orders.

    About 1% of orders belong to guest identities (appended after the customers).
    Of the customers ~85% buy; ~57% of buyers buy once; the rest repeat, and ~4%
    of buyers are VIPs who take the orders left over (so they have 10 or more).
    """
    guest_orders, n_guest_ids = _guest_identities(n_orders)
    customer_orders = n_orders - guest_orders
    n_buyers = max(1, min(int(round(0.85 * n_customers)), customer_orders))
    n_one = int(round(0.57 * n_buyers))
    n_rep = n_buyers - n_one
    spare = customer_orders - n_buyers  # orders beyond the first of each buyer
    if spare < n_rep:
        n_rep, n_one = spare, n_buyers - spare
    if n_rep == 0 and spare > 0:
        n_rep, n_one = 1, n_buyers - 1
    spare -= n_rep  # every repeat buyer has at least two orders
    n_vip = min(n_rep, max(1, int(round(0.04 * n_buyers)))) if n_rep else 0
    n_norm = n_rep - n_vip

    # Ordinary repeat buyers: 2 to 9 orders, mostly few.
    extra_norm = np.minimum(rng.geometric(0.45, n_norm) - 1, 7)
    if extra_norm.sum() > spare:  # few orders per customer: spread what there is
        extra_norm = np.bincount(rng.integers(0, n_norm, spare), minlength=n_norm)
    # VIPs: at least 10 orders where possible, and everything that is left.
    vip_pool = spare - int(extra_norm.sum())
    extra_vip = np.zeros(n_vip, dtype=np.int64)
    if n_vip:
        base = min(8, vip_pool // n_vip)
        rest = vip_pool - base * n_vip
        w = rng.lognormal(0.0, 0.6, n_vip)
        w = np.minimum(w, 4 * w.mean())
        extra_vip = base + rng.multinomial(rest, w / w.sum())

    k_cust = np.concatenate([
        2 + extra_vip,
        2 + extra_norm,
        np.ones(n_one, dtype=np.int64),
        np.zeros(n_customers - n_buyers, dtype=np.int64),
    ]).astype(np.int64)
    role_cust = np.concatenate([
        np.full(n_vip, R_VIP), np.full(n_norm, R_REPEAT), np.full(n_one, R_ONE_TIME),
        np.full(n_customers - n_buyers, R_PROSPECT),
    ]).astype(np.int8)
    order = rng.permutation(n_customers)
    k_cust, role_cust = k_cust[order], role_cust[order]

    # Guest identities: most order once, a few twice or more.
    k_guest = np.ones(n_guest_ids, dtype=np.int64)
    if n_guest_ids:
        k_guest += np.bincount(rng.integers(0, n_guest_ids, guest_orders - n_guest_ids), minlength=n_guest_ids)
    k = np.concatenate([k_cust, k_guest])
    role = np.concatenate([role_cust, np.full(n_guest_ids, R_GUEST, dtype=np.int8)])
    assert int(k.sum()) == n_orders
    return k, role


def _persons(n_customers: int, n_orders: int, cal: Calendar, cat: Catalogue, rng: np.random.Generator,
             email_rng: np.random.Generator, email_base: int = 0) -> Persons:
    """Everyone who orders (or could): roles, order counts, places, tastes and habits."""
    k, role = _allocate_orders(n_customers, n_orders, rng)
    n = k.size
    is_customer = np.arange(n) < n_customers

    # B2B accounts: ~3% of customers, more common among frequent buyers.
    b2b_p = np.array([0.015, 0.015, 0.05, 0.15, 0.0])[role]
    b2b = rng.random(n) < b2b_p

    weights = np.array([c.weight for c in CITIES])
    city = rng.choice(len(CITIES), size=n, p=weights / weights.sum())
    low = np.array([c.postcode_low for c in CITIES])[city]
    high = np.array([c.postcode_high for c in CITIES])[city]
    postcode = rng.integers(low, high + 1)

    female = rng.random(n) < 0.5
    last = rng.integers(0, len(LAST_NAMES), n)

    # Two favourite categories each (business accounts pick office supplies).
    pop = np.array([c.popularity for c in CATEGORIES])
    fav = rng.choice(len(CATEGORIES), size=(n, 2), p=pop / pop.sum())
    b2b_cats = np.array([CATEGORY_INDEX[c] for c in B2B_CATEGORIES])
    fav[b2b] = b2b_cats[rng.integers(0, b2b_cats.size, (int(b2b.sum()), 2))]

    # Subscribers: repeat buyers with 3+ orders whose cycle fits into the range.
    max_cycle = (cal.n_days - 5) // np.maximum(k - 1, 1)
    eligible = (role == R_REPEAT) & (k >= 3) & (max_cycle >= 14)
    subscriber = eligible & (rng.random(n) < 0.35)
    cycle = np.minimum(SUBSCRIPTION_CYCLES[rng.integers(0, SUBSCRIPTION_CYCLES.size, n)], max_cycle)
    cycle = np.where(subscriber, cycle, 0)
    sub_names = list(SUBSCRIPTION_CATEGORIES)
    sub_w = np.array(list(SUBSCRIPTION_CATEGORIES.values()))
    sub_cat = np.array([CATEGORY_INDEX[c] for c in sub_names])[rng.choice(len(sub_names), size=n, p=sub_w / sub_w.sum())]
    sub_product = np.where(subscriber, cat.draw(rng, sub_cat), -1)

    # Life events for ~6% of consumer buyers; the event starts early in their history.
    can_event = is_customer & (k >= 1) & ~b2b & ~subscriber
    has_event = can_event & (rng.random(n) < 0.06)
    ev_w = np.array([e.weight for e in LIFE_EVENTS])
    event = np.where(has_event, rng.choice(len(LIFE_EVENTS), size=n, p=ev_w / ev_w.sum()), -1)
    # (k == 1 gives 0: a one-time buyer's only order is the event order.)
    event_seq = np.where(has_event, np.floor(rng.random(n) ** 2 * np.maximum(k - 1, 1)).astype(np.int64), -1)

    return Persons(
        n_customers=n_customers, k=k, role=role, b2b=b2b, city=city, postcode=postcode,
        last=last, female=female, fav=fav, sub_product=sub_product, cycle=cycle,
        event=event, event_seq=event_seq, email=_emails(n_customers, female, last, email_rng, email_base),
    )


def _emails(n_customers: int, female: np.ndarray, last: np.ndarray, rng: np.random.Generator,
            base: int = 0) -> pa.Array:
    """Unique lower-case emails: customers 'first.last123@..', guests 'first_last123@..'.

    The number is base + the person's index + 1, so parts with disjoint bases never share an address.
    """
    n = female.size
    first = pc.if_else(
        pa.array(female),
        _pick(FIRST_NAMES_F, rng.integers(0, len(FIRST_NAMES_F), n)),
        _pick(FIRST_NAMES_M, rng.integers(0, len(FIRST_NAMES_M), n)),
    )
    sep = _pick((".", "_"), (np.arange(n) >= n_customers).astype(np.int64))
    number = pa.array(base + np.arange(1, n + 1)).cast(pa.string())  # keeps every address unique
    domain = _pick(EMAIL_DOMAINS, rng.choice(len(EMAIL_DOMAINS), size=n, p=[0.35, 0.2, 0.15, 0.2, 0.1]))
    return pc.binary_join_element_wise(first, sep, _pick(LAST_NAMES, last), number, "@", domain, "")


# --------------------------------------------------------------------------------------
# Order timelines
# --------------------------------------------------------------------------------------


@dataclass
class Timeline:
    """All orders in person-major order, sorted by time within each person."""

    person: np.ndarray
    seq: np.ndarray  # 0 = the person's first order
    ts: np.ndarray  # seconds since 1970
    starts: np.ndarray  # per person: index of their first order


def _timeline(persons: Persons, cal: Calendar, rng: np.random.Generator) -> Timeline:
    """When each person orders: one-off, steady interval, or subscription cycle."""
    k = persons.k
    n_orders = int(k.sum())
    person = np.repeat(np.arange(persons.size), k)
    starts = np.cumsum(k) - k
    seq = np.arange(n_orders) - starts[person]
    D = float(cal.n_days)

    single = k == 1
    sub = persons.cycle > 0
    repeat = (k >= 2) & ~sub
    day = np.empty(n_orders, dtype=np.int64)

    # One order: drawn straight from the seasonal intensity.
    sel = np.flatnonzero(single[person])
    day[sel] = cal.warp(rng.random(sel.size) * D)

    # Repeat buyers: a steady personal interval g (in intensity time, so holiday
    # months come a little faster), +-20% jitter around the schedule.
    vip = persons.role == R_VIP
    g_wish = rng.lognormal(np.log(np.where(persons.b2b, 30.0, 50.0)), 0.7)
    span_vip = rng.uniform(0.55, 0.98, persons.size) * D
    g = np.where(vip, span_vip / np.maximum(k - 1, 1), np.minimum(g_wish, 0.95 * D / np.maximum(k - 1, 1)))
    first_u = _window_starts(rng, D, g, k)
    sel = np.flatnonzero(repeat[person])
    p = person[sel]
    u = first_u[p] + seq[sel] * g[p] + (rng.random(sel.size) - 0.5) * 0.4 * g[p]
    day[sel] = cal.warp(np.clip(u, 0.0, D - 1e-9), damped=True)

    # Subscribers: a fixed cycle in real days, +-2 days.
    first_day = 2 + np.floor(_window_starts(rng, D - 4, persons.cycle.astype(np.float64), k)).astype(np.int64)
    sel = np.flatnonzero(sub[person])
    p = person[sel]
    d = first_day[p] + seq[sel] * persons.cycle[p] + rng.integers(-2, 3, sel.size)
    day[sel] = np.clip(d, 0, cal.n_days - 1)

    ts = cal.epoch0 + day * SECONDS_PER_DAY + _seconds_of_day(rng, cal, day, persons.b2b[person])

    # Sort by time within each person (orders on the same day may swap).
    key = person * (cal.n_days * SECONDS_PER_DAY + 1) + (ts - cal.epoch0)
    order = np.argsort(key, kind="stable")
    return Timeline(person=person, seq=seq, ts=ts[order], starts=starts)


def _window_starts(rng: np.random.Generator, D: float, g: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Where each repeat buyer's k orders, g apart, start within [0, D).

    Placing every span uniformly inside the range would leave few customers
    active near its edges, so activity would fade out at the end. Instead
    45% are still active at the end (their next order would fall after it),
    20% were already active at the start, and the rest churned in between.
    """
    window = g * np.maximum(k - 1, 0)
    room = np.maximum(D - window, 0.0)
    kind = rng.random(g.size)
    lag = rng.random(g.size) * g  # how far the span sits from the edge: under one interval
    start = rng.random(g.size) * room  # churned: anywhere
    start = np.where(kind < 0.45, room - lag, start)  # still active at the end
    start = np.where((kind >= 0.45) & (kind < 0.65), lag, start)  # active since the start
    return np.clip(start, 0.0, room)


# --------------------------------------------------------------------------------------
# The shop in memory
# --------------------------------------------------------------------------------------


@dataclass
class Shop:
    """Clean typed tables (with a hidden `_variant` column) plus bookkeeping for bad rows."""

    tables: dict[str, pa.Table]
    # per orders row
    order_person: np.ndarray  # person index
    order_registered: np.ndarray  # customer_id is set
    order_total: np.ndarray  # cents
    order_refunded: np.ndarray  # cents (0 when empty)
    # order_lines rows are grouped by order
    line_starts: np.ndarray  # per order: first line
    line_counts: np.ndarray  # per order: number of lines
    line_order: np.ndarray  # per line: order index
    customer_slot: np.ndarray  # person index of each customers row
    erased_slots: np.ndarray  # person indices of customers asking for erasure
    erased_emails: list[str]  # their emails, lower case
    consent_slot: np.ndarray  # person index of each consent_events row
    customer_width: int
    order_width: int
    order_base: int = 0  # order id number = order_base + index + 1 (see Part)
    customer_base: int = 0  # customer id number = customer_base + customer number


@dataclass
class OrderFacts:
    """Per order, in final file order (sorted by time)."""

    person: np.ndarray
    ts: np.ndarray
    seq: np.ndarray
    first_of_person: np.ndarray
    gap_days: np.ndarray  # days since the person's previous order (inf for the first)
    event_role: np.ndarray  # 0 none, 1 event order, 2 split part one, 3 split part two, 4 after the event
    n_trigger: np.ndarray  # trigger categories to put in the order (event roles 1-3)
    trigger_perm: np.ndarray  # permutation index of the trigger categories
    known_guest: np.ndarray  # a customer's order placed as a guest checkout
    guest_variant: np.ndarray  # how the email is disguised (known guests)
    first_ts: np.ndarray  # per person: first order time
    last_ts: np.ndarray  # per person: last order time


def _order_facts(persons: Persons, tl: Timeline, cal: Calendar, rng: np.random.Generator) -> OrderFacts:
    """Put orders in time order and mark life-event orders and guest checkouts."""
    person, seq, ts = tl.person, tl.seq, tl.ts
    k = persons.k
    has = k > 0
    first_ts = np.where(has, ts[np.minimum(tl.starts, ts.size - 1)], -1)
    last_ts = np.where(has, ts[np.minimum(tl.starts + k - 1, ts.size - 1)], -1)
    prev = np.concatenate([[0], ts[:-1]])
    gap_days = np.where(seq > 0, (ts - prev) / SECONDS_PER_DAY, np.inf)

    # Life events: the event order, optionally split over two orders within 30 days.
    ev_person = persons.event >= 0
    e_seq = persons.event_seq
    e_idx = np.where(ev_person, tl.starts + np.maximum(e_seq, 0), 0)
    has_next = ev_person & (e_seq + 1 < k)
    next_gap = np.where(has_next, ts[np.minimum(e_idx + 1, ts.size - 1)] - ts[e_idx], np.iinfo(np.int64).max)
    split = has_next & (next_gap <= 30 * SECONDS_PER_DAY) & (rng.random(persons.size) < 0.35)
    n_full = rng.choice(np.array([3, 4]), size=persons.size, p=[0.6, 0.4])
    n_second = rng.integers(1, 3, persons.size)
    perm = rng.integers(0, 24, persons.size)

    ev = ev_person[person]
    es = e_seq[person]
    sp = split[person]
    event_role = np.zeros(ts.size, dtype=np.int8)
    event_role[ev & (seq > es + sp)] = 4
    event_role[ev & sp & (seq == es + 1)] = 3
    event_role[ev & (seq == es)] = np.where(sp[ev & (seq == es)], 2, 1)
    n_trigger = np.select([event_role == 1, event_role == 2, event_role == 3], [n_full[person], 2, n_second[person]], 0)

    # Final order: by time; ties keep the person-major order.
    order = np.argsort(ts, kind="stable")
    person, seq, ts = person[order], seq[order], ts[order]
    gap_days, event_role, n_trigger = gap_days[order], event_role[order], n_trigger[order]

    # Guest checkouts by known customers (~1% of orders): consumers only.
    n_known = int(round(0.01 * ts.size))
    candidates = np.flatnonzero(np.isin(persons.role[person], (R_ONE_TIME, R_REPEAT, R_VIP)) & ~persons.b2b[person])
    known_guest = np.zeros(ts.size, dtype=bool)
    known_guest[rng.choice(candidates, size=min(n_known, candidates.size), replace=False)] = True

    return OrderFacts(
        person=person, ts=ts, seq=seq, first_of_person=seq == 0, gap_days=gap_days,
        event_role=event_role, n_trigger=n_trigger, trigger_perm=perm[person],
        known_guest=known_guest, guest_variant=rng.integers(0, 5, ts.size),
        first_ts=first_ts, last_ts=last_ts,
    )


@dataclass
class CustomerFacts:
    """Per customer slot (person index < n_customers), plus consent events and erasures."""

    created: np.ndarray  # per customer slot
    number: np.ndarray  # id number per customer slot (creation order)
    referrer: np.ndarray  # slot of the referring customer or -1
    consent0: np.ndarray  # marketing consent at sign-up
    birth_year: np.ndarray
    birth_known: np.ndarray
    gender: np.ndarray  # index into ('F', 'M', 'X'); -1 unknown
    company: pa.Array
    consent_slot: np.ndarray  # consent events
    consent_value: np.ndarray
    consent_ts: np.ndarray
    erased: np.ndarray  # slots asking for erasure
    erased_at: np.ndarray


def _customer_facts(persons: Persons, orders: OrderFacts, cal: Calendar, rng: np.random.Generator) -> CustomerFacts:
    """Sign-up times and ids, profile fields, referrals, consent changes and erasure requests."""
    N = persons.n_customers
    buyer = persons.k[:N] > 0
    first_ts = orders.first_ts[:N]

    # Sign-up: often in the checkout session of the first order, else some weeks before.
    lag = np.where(rng.random(N) < 0.4, rng.integers(60, 1800, N), rng.exponential(45 * SECONDS_PER_DAY, N).astype(np.int64))
    available = np.maximum(first_ts - cal.epoch0, 0)
    lag = np.where(lag > available, np.floor(rng.random(N) * available).astype(np.int64), lag)
    prospect_day = cal.warp(rng.random(N) * cal.n_days)
    prospect_ts = cal.epoch0 + prospect_day * SECONDS_PER_DAY + _seconds_of_day(rng, cal, prospect_day, persons.b2b[:N])
    created = np.where(buyer, first_ts - lag, prospect_ts)

    # Customer numbers follow sign-up order (like an auto-increment key).
    by_created = np.argsort(created, kind="stable")
    number = np.empty(N, dtype=np.int64)
    number[by_created] = np.arange(1, N + 1)

    # Referrals (~9%): an earlier customer, often one of a few ambassadors.
    rank = number - 1
    referred = (rng.random(N) < 0.09) & (rank > 0)
    ambassadors = np.sort(rng.choice(N, size=max(1, N // 100), replace=False))
    amb_ranks = np.sort(rank[ambassadors])
    n_amb_before = np.searchsorted(amb_ranks, rank)
    use_amb = (rng.random(N) < 0.5) & (n_amb_before > 0)
    ref_rank = np.where(
        use_amb,
        amb_ranks[np.minimum(np.floor(rng.random(N) * n_amb_before).astype(np.int64), amb_ranks.size - 1)],
        np.floor(rng.random(N) * rank).astype(np.int64),
    )
    referrer = np.where(referred, by_created[np.minimum(ref_rank, N - 1)], -1)

    b2b = persons.b2b[:N]
    consent0 = rng.random(N) < np.where(b2b, 0.3, 0.55)
    birth_known = ~b2b & (rng.random(N) < 0.88)
    birth_year = np.clip(np.round(rng.normal(1982, 13, N)), 1940, 2006).astype(np.int64)
    gender = np.where(persons.female[:N], 0, 1)
    gender = np.where(rng.random(N) < 0.015, 2, gender)
    gender = np.where(b2b | (rng.random(N) < 0.07), -1, gender)

    # Company names for business accounts, e.g. 'Arctic Logistics Oy'.
    n_b2b = int(b2b.sum())
    word = _pick(COMPANY_WORDS, rng.integers(0, len(COMPANY_WORDS), n_b2b))
    family = pc.utf8_capitalize(_pick(LAST_NAMES, persons.last[:N][b2b]))
    use_family = pa.array(rng.random(n_b2b) < 0.4)
    trade = _pick(COMPANY_TRADES, rng.integers(0, len(COMPANY_TRADES), n_b2b))
    suffix = _pick(COMPANY_SUFFIXES, rng.integers(0, len(COMPANY_SUFFIXES), n_b2b))
    names_b2b = pc.binary_join_element_wise(pc.if_else(use_family, family, word), trade, suffix, " ")
    company_idx = np.full(N, -1, dtype=np.int64)
    company_idx[b2b] = np.arange(n_b2b)
    company = names_b2b.take(pa.array(company_idx, mask=~b2b))

    # Consent changes after sign-up for ~12%: a flip, sometimes flipped back.
    has_ev = rng.random(N) < 0.12
    two = has_ev & (rng.random(N) < 0.25)
    room = cal.epoch_end - 1 - created
    t1 = created + 1 + np.floor(rng.random(N) * 0.8 * np.maximum(room - 1, 0)).astype(np.int64)
    t2 = t1 + 1 + np.floor(rng.random(N) * np.maximum(cal.epoch_end - 2 - t1, 0)).astype(np.int64)
    has_ev &= t1 < cal.epoch_end
    two &= has_ev & (t2 < cal.epoch_end) & (t2 > t1)
    slot1 = np.flatnonzero(has_ev)
    slot2 = np.flatnonzero(two)
    ev_slot = np.concatenate([slot1, slot2])
    ev_value = np.concatenate([~consent0[slot1], consent0[slot2]])
    ev_ts = np.concatenate([t1[slot1], t2[slot2]])
    order = np.lexsort((ev_slot, ev_ts))  # a time-ordered log
    ev_slot, ev_value, ev_ts = ev_slot[order], ev_value[order], ev_ts[order]

    # Erasure requests (~0.1%, at least 2): consumers whose email no guest order used.
    guest_slots = np.unique(orders.person[orders.known_guest])
    eligible = np.ones(N, dtype=bool)
    eligible[guest_slots[guest_slots < N]] = False
    eligible &= ~b2b
    n_erase = min(max(2, int(round(0.001 * N))), int(eligible.sum()))
    # One buyer who changed consent (so every erasure rule has rows to act on),
    # then mostly buyers, then anyone eligible.
    changed_consent = np.zeros(N, dtype=bool)
    changed_consent[ev_slot] = True
    chosen = np.zeros(0, dtype=np.int64)
    for pool, target in (
        (eligible & buyer & changed_consent, 1),
        (eligible & buyer, int(math.ceil(0.75 * n_erase))),
        (eligible, n_erase),
    ):
        candidates = np.setdiff1d(np.flatnonzero(pool), chosen)
        n_pick = min(candidates.size, max(target - chosen.size, 0))
        chosen = np.concatenate([chosen, rng.choice(candidates, size=n_pick, replace=False)])
    erased = np.sort(chosen)
    last_activity = np.maximum(created[erased], orders.last_ts[erased])
    if ev_slot.size:
        last_ev = np.full(N, -1, dtype=np.int64)
        np.maximum.at(last_ev, ev_slot, ev_ts)
        last_activity = np.maximum(last_activity, last_ev[erased])
    erased_at = last_activity + np.floor(rng.random(erased.size) * (cal.epoch_end - last_activity)).astype(np.int64)

    return CustomerFacts(
        created=created, number=number, referrer=referrer, consent0=consent0, birth_year=birth_year,
        birth_known=birth_known, gender=gender, company=company, consent_slot=ev_slot,
        consent_value=ev_value, consent_ts=ev_ts, erased=erased, erased_at=erased_at,
    )


@dataclass
class Lines:
    """Order lines, grouped by order (file order), one line per product and order."""

    order: np.ndarray  # order index (file order)
    product: np.ndarray
    quantity: np.ndarray
    starts: np.ndarray  # per order: first line
    counts: np.ndarray  # per order: number of lines


def _coupons(persons: Persons, orders: OrderFacts, cal: Calendar, rng: np.random.Generator) -> np.ndarray:
    """Coupon per order (~10%): the code depends on the situation of the order."""
    n = orders.ts.size
    day = (orders.ts - cal.epoch0) // SECONDS_PER_DAY
    registered = orders.person < persons.n_customers
    vip = persons.role[orders.person] == R_VIP
    month = cal.month[day]
    u = rng.random(n)
    coupon = np.full(n, -1, dtype=np.int64)
    rules = [  # (applies, probability, code); the first matching rule decides
        (registered & orders.first_of_person, 0.25, C_WELCOME),
        (cal.black_week[day], 0.35, C_BLACKFRIDAY),
        (registered & (orders.gap_days > 120), 0.30, C_WINBACK),
        (vip, 0.07, C_VIP),
        ((month >= 3) & (month <= 5), 0.08, C_SPRING),
    ]
    decided = np.zeros(n, dtype=bool)
    for applies, p, code in rules:
        sel = applies & ~decided
        coupon[sel & (u < p)] = code
        decided |= sel
    return coupon


def _order_lines(persons: Persons, orders: OrderFacts, cat: Catalogue, rng: np.random.Generator) -> Lines:
    """Products and quantities of every order (prices come in `_order_totals`)."""
    n = orders.ts.size
    p = orders.person
    b2b = persons.b2b[p]

    # Lines per order: mostly one or two; business orders are bigger.
    n_lines = LINES_PER_ORDER[rng.integers(0, LINES_PER_ORDER.size, n)]
    business = np.flatnonzero(b2b)
    n_lines[business] = np.minimum(2 + rng.poisson(2.5, business.size), 15)
    n_lines = np.maximum(n_lines, orders.n_trigger)
    total = int(n_lines.sum())
    line_order = np.repeat(np.arange(n, dtype=np.int32), n_lines)
    first_line = np.cumsum(n_lines) - n_lines
    product = np.full(total, -1, dtype=np.int32)
    category = np.full(total, -1, dtype=np.int16)

    # A subscriber's consumable is the first line of each of their orders.
    sub = persons.sub_product[p]
    subscribed = np.flatnonzero(sub >= 0)
    product[first_line[subscribed]] = sub[subscribed]

    # Life-event trigger categories, in a fixed random order per person: a split
    # event's second order continues after the first order's two categories.
    triggers = np.array([[CATEGORY_INDEX[c] for c in e.triggers] for e in LIFE_EVENTS])
    perms = np.array(_permutations4())
    ev_orders = np.flatnonzero(orders.n_trigger > 0)
    counts = orders.n_trigger[ev_orders]
    ev_line = np.repeat(first_line[ev_orders], counts) + _ranks(counts)
    ev_o = np.repeat(ev_orders, counts)
    slot = _ranks(counts) + np.where(orders.event_role[ev_o] == 3, 2, 0)
    event = persons.event[p[ev_o]]
    category[ev_line] = triggers[event, perms[orders.trigger_perm[ev_o], np.minimum(slot, 3)]]

    # Other lines: event follow-ups, favourites or the general popularity.
    free = np.flatnonzero((product < 0) & (category < 0))
    fo = line_order[free]
    u = rng.random(free.size)
    after_event = orders.event_role[fo] == 4
    use_follow = after_event & (u < 0.55)
    fav_p = np.where(b2b[fo], 0.85, 0.35)
    use_fav = ~use_follow & (rng.random(free.size) < fav_p)
    use_general = ~use_follow & ~use_fav

    sel = free[use_follow]
    follow_len = np.array([len(e.follow_ups) for e in LIFE_EVENTS])
    follow = np.array([[CATEGORY_INDEX[e.follow_ups[i % len(e.follow_ups)]] for i in range(5)] for e in LIFE_EVENTS])
    ev = persons.event[p[line_order[sel]]]
    category[sel] = follow[ev, np.floor(rng.random(sel.size) * follow_len[ev]).astype(np.int64)]
    sel = free[use_fav]
    category[sel] = persons.fav[p[line_order[sel]], rng.integers(0, 2, sel.size)]
    sel = free[use_general]
    category[sel] = GENERAL_CATEGORY_TABLE[rng.integers(0, GENERAL_CATEGORY_TABLE.size, sel.size)]
    need = np.flatnonzero(product < 0)
    product[need] = cat.draw(rng, category[need].astype(np.int64))

    # Keep one line per (order, product); forced lines come first and survive.
    key = line_order.astype(np.int64) * cat.size + product
    idx = np.argsort(key, kind="stable")
    sorted_key = key[idx]
    keep = np.ones(total, dtype=bool)
    keep[1:] = sorted_key[1:] != sorted_key[:-1]
    idx = idx[keep]
    line_order, product = line_order[idx], product[idx]

    # Quantities: mostly one; consumables often more.
    u = rng.integers(0, 100, idx.size)
    quantity = np.where(cat.consumable[product], QTY_CONSUMABLE[u], QTY_OTHER[u]).astype(np.int32)
    # Business accounts buy in bulk: cheap items by the dozen, expensive ones a few at a time.
    sel = np.flatnonzero(b2b[line_order])
    unit_euros = cat.price_cents[product[sel]] / 100.0
    typical = np.clip(150.0 / unit_euros, 1.0, 15.0)
    quantity[sel] = np.clip(np.round(rng.lognormal(np.log(typical), 0.5)), 1, 60)

    counts = np.bincount(line_order, minlength=n)
    starts = np.cumsum(counts) - counts
    return Lines(order=line_order, product=product, quantity=quantity, starts=starts, counts=counts)


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, .., c-1 for each count c, concatenated."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _permutations4() -> list[tuple[int, int, int, int]]:
    """All 24 orderings of four items."""
    out: list[tuple[int, int, int, int]] = []
    for a in range(4):
        for b in range(4):
            for c in range(4):
                d = 6 - a - b - c
                if len({a, b, c, d}) == 4:
                    out.append((a, b, c, d))
    return out


@dataclass
class Totals:
    """Money and fulfilment facts per order (file order), and line totals."""

    line_total: np.ndarray  # cents per line
    coupon: np.ndarray  # coupon index or -1
    goods: np.ndarray
    shipping: np.ndarray
    tax: np.ndarray
    total: np.ndarray
    refunded: np.ndarray
    refund_written: np.ndarray  # False: refunded_total is empty / null
    status: np.ndarray
    status_variant: np.ndarray  # 0 canonical, 1-4 odd spellings
    ship_city: np.ndarray
    ship_postcode: np.ndarray


def _order_totals(persons: Persons, orders: OrderFacts, lines: Lines, cal: Calendar, cat: Catalogue,
                  rng: np.random.Generator) -> Totals:
    """Prices, coupons, shipping, VAT, status, refunds and shipping address of every order."""
    n = orders.ts.size
    p = orders.person
    b2b = persons.b2b[p]

    # Coupons are applied to the line totals, so order_total = sum(lines) + shipping holds.
    coupon = _coupons(persons, orders, cal, rng)
    discount = np.where(coupon >= 0, COUPON_DISCOUNT_PCT[np.maximum(coupon, 0)], 0)
    unit = cat.price_cents[lines.product]
    line_total = (lines.quantity * unit * (100 - discount[lines.order]) + 50) // 100
    goods = np.add.reduceat(line_total, lines.starts)

    express = rng.random(n) < 0.1
    shipping = np.where(b2b, np.where(goods >= 20_000, 0, 990), np.where(goods >= 4_900, 0, np.where(express, 590, 490)))
    tax = (goods * 20 + 60) // 120  # 20% VAT included in the goods, rounded half up
    total = goods + shipping

    # Status follows the age of the order; some are cancelled or refunded.
    age = (cal.epoch_end - orders.ts) / SECONDS_PER_DAY
    u = rng.random(n)
    status = np.full(n, S_COMPLETED, dtype=np.int64)
    status = np.where(age < 60, np.where(u < 0.6, S_DELIVERED, S_COMPLETED), status)
    status = np.where(age < 10, np.where(u < 0.85, S_SHIPPED, S_DELIVERED), status)
    status = np.where(age < 3, np.where(u < 0.75, S_PAID, S_PENDING), status)
    v = rng.random(n)
    status = np.where(v < 0.025, S_CANCELLED, status)
    status = np.where((v >= 0.025) & (v < 0.04) & (age >= 10), S_REFUNDED, status)
    status = np.where((v >= 0.04) & (v < 0.042), S_PENDING, status)  # abandoned payments

    # Refunds: full for cancelled and refunded orders, partial for ~3% of completed ones.
    refunded = np.zeros(n, dtype=np.int64)
    full = (status == S_CANCELLED) | (status == S_REFUNDED)
    refunded[full] = total[full]
    partial = (status == S_COMPLETED) & (rng.random(n) < 0.03)
    refunded[partial] = np.floor(goods[partial] * rng.uniform(0.1, 0.7, int(partial.sum()))).astype(np.int64)
    refund_written = (refunded > 0) | (rng.random(n) < 0.2)  # no refund: mostly empty, sometimes 0.00

    odd = rng.random(n) < 0.012
    status_variant = np.where(odd, rng.integers(1, 5, n), 0)

    # Gift orders (~3%, more in December) go to another city; billing stays home.
    month = cal.month[(orders.ts - cal.epoch0) // SECONDS_PER_DAY]
    gift_p = np.where(month == 12, 0.08, 0.025)
    gift = (p < persons.n_customers) & ~b2b & (rng.random(n) < gift_p)
    home = persons.city[p]
    other = (home + 1 + rng.integers(0, len(CITIES) - 1, n)) % len(CITIES)
    ship_city = np.where(gift, other, home)
    low = np.array([c.postcode_low for c in CITIES])[ship_city]
    high = np.array([c.postcode_high for c in CITIES])[ship_city]
    ship_postcode = np.where(gift, rng.integers(low, high + 1), persons.postcode[p])

    return Totals(line_total=line_total, coupon=coupon, goods=goods, shipping=shipping, tax=tax, total=total,
                  refunded=refunded, refund_written=refund_written, status=status, status_variant=status_variant,
                  ship_city=ship_city, ship_postcode=ship_postcode)


def _status_strings(status: np.ndarray, variant: np.ndarray) -> pa.Array:
    """Status texts; variants 1-4 are odd spellings like ' Completed' or 'SHIPPED'."""
    spellings: list[str] = []
    for s in STATUSES:
        spellings += [s, " " + s.capitalize(), s.upper(), s + " ", s.capitalize()]
    return _pick(spellings, status * 5 + variant)


def _disguised_emails(emails: pa.Array, variant: np.ndarray) -> pa.Array:
    """The same addresses written with other case or surrounding spaces."""
    return pc.choose(
        pa.array(variant, type=pa.int8()),
        pc.utf8_upper(emails),
        pc.utf8_capitalize(emails),
        pc.utf8_title(emails),
        pc.binary_join_element_wise("  ", emails, ""),
        pc.binary_join_element_wise(emails, " ", ""),
    )


def _variants(rng: np.random.Generator, n: int, bool_variants: bool = False) -> pa.Array:
    """Hidden per-row rendering choices for CSV (bit 0: 'T' in timestamps; bits 1-2: boolean spelling)."""
    v = (rng.random(n) < ISO_T_SHARE).astype(np.int8)
    if bool_variants:
        odd = rng.random(n) < 0.015
        v |= (np.where(odd, rng.integers(1, 3, n), 0) << 1).astype(np.int8)
    return pa.array(v, type=pa.int8())


def _build_shop(config: GenerateConfig, part: Part, cal: Calendar, cat: Catalogue, progress: StepProgress) -> Shop:
    """Draw one part of the clean shop (typed tables and bookkeeping for bad rows)."""
    seed, i, label = config.seed, part.index, part.label
    N, M = part.customers, part.orders

    with progress.step(label + "products and people"):
        persons = _persons(N, M, cal, cat, _rng(seed, "persons", i), _rng(seed, "emails", i), part.person_base)

    with progress.step(label + "order timelines"):
        tl = _timeline(persons, cal, _rng(seed, "timeline", i))
        orders = _order_facts(persons, tl, cal, _rng(seed, "order facts", i))
        del tl

    with progress.step(label + "customers and consent"):
        people = _customer_facts(persons, orders, cal, _rng(seed, "customers", i))

    with progress.step(label + "order lines"):
        lines = _order_lines(persons, orders, cat, _rng(seed, "lines", i))

    with progress.step(label + "order totals"):
        totals = _order_totals(persons, orders, lines, cal, cat, _rng(seed, "totals", i))

    with progress.step(label + "tables"):
        return _assemble(part, cat, persons, orders, people, lines, totals, _rng(seed, "variants", i))


def _assemble(part: Part, cat: Catalogue, persons: Persons, orders: OrderFacts, people: CustomerFacts,
              lines: Lines, totals: Totals, rng: np.random.Generator) -> Shop:
    """Build the typed tables (the Parquet schema, plus the hidden `_variant` column)."""
    N, M = part.customers, part.orders
    order_width, customer_width = part.order_width, part.customer_width
    customer_number = part.customer_base + people.number  # id number per customer slot
    city_names = [c.name for c in CITIES]
    p = orders.person
    is_customer = p < N
    registered = is_customer & ~orders.known_guest
    number = people.number[np.minimum(p, N - 1)]

    # Emails: the customer's own, a disguised copy for known guests, a guest identity's.
    kg = np.flatnonzero(orders.known_guest)
    disguised = _disguised_emails(persons.email.take(pa.array(p[kg])), orders.guest_variant[kg])
    pool = pa.concat_arrays([persons.email, disguised])
    email_idx = p.copy()
    email_idx[kg] = persons.size + np.arange(kg.size)

    # Id texts are formatted once and gathered for the rows that refer to them.
    order_chars = _id_chars("O", part.order_base + np.arange(1, M + 1), order_width)
    customer_chars = _id_chars("C", part.customer_base + np.arange(N + 1), customer_width)  # row i: customer number i
    product_chars = _id_chars("P", np.arange(1, cat.size + 1), 5)

    orders_table = pa.table({
        "order_id": _strings_from_matrix(order_chars),
        "customer_id": _strings_from_matrix(_gather_rows(customer_chars, number), valid=registered),
        "customer_email": pool.take(pa.array(email_idx)),
        "ordered_at": _timestamps(orders.ts),
        "status": _status_strings(totals.status, totals.status_variant),
        "order_total": _money(totals.total),
        "refunded_total": _money(totals.refunded, valid=totals.refund_written),
        "shipping_total": _money(totals.shipping),
        "tax_total": _money(totals.tax),
        "coupon_code": _pick(COUPONS, np.maximum(totals.coupon, 0), valid=totals.coupon >= 0),
        "shipping_city": _pick(city_names, totals.ship_city),
        "shipping_postcode": _ids("", totals.ship_postcode, 5),
        "billing_city": _pick(city_names, persons.city[p]),
        "_variant": _variants(rng, M),
    })

    n_lines = lines.order.size
    lines_table = pa.table({
        "order_id": _strings_from_matrix(_gather_rows(order_chars, lines.order)),
        "product_id": _strings_from_matrix(_gather_rows(product_chars, lines.product)),
        "quantity": _int_column(lines.quantity),
        "line_total": _money(totals.line_total),
        "_variant": pa.array(np.zeros(n_lines, dtype=np.int8)),
    })

    products_table = pa.table({
        "product_id": _strings_from_matrix(product_chars),
        "product_name": pa.array(cat.names, type=pa.string()),
        "category": _pick([c.name for c in CATEGORIES], cat.category),
        "brand": pa.array(cat.brands, type=pa.string()),
        "is_consumable": pa.array(cat.consumable),
        "_variant": pa.array(np.zeros(cat.size, dtype=np.int8)),
    })

    # Customers in id order (= sign-up order).
    slots = np.argsort(people.number)
    city = persons.city[slots]
    referrer = people.referrer[slots]
    customers_table = pa.table({
        "customer_id": _ids("C", customer_number[slots], customer_width),
        "email": persons.email.take(pa.array(slots)),
        "created_at": _timestamps(people.created[slots]),
        "birth_year": _int_column(people.birth_year[slots], valid=people.birth_known[slots]),
        "gender": _pick(("F", "M", "X"), np.maximum(people.gender[slots], 0), valid=people.gender[slots] >= 0),
        "city": _pick(city_names, city),
        "postcode": _ids("", persons.postcode[slots], 5),
        "country": _pick([c.country for c in CITIES], city),
        "company_name": people.company.take(pa.array(slots)),
        "is_business": pa.array(persons.b2b[slots]),
        "referred_by_customer_id": _ids("C", customer_number[np.maximum(referrer, 0)], customer_width, valid=referrer >= 0),
        "marketing_consent": pa.array(people.consent0[slots]),
        "_variant": _variants(rng, N, bool_variants=True),
    })

    consent_table = pa.table({
        "customer_id": _ids("C", customer_number[people.consent_slot], customer_width),
        "consent": pa.array(people.consent_value, type=pa.bool_()),
        "changed_at": _timestamps(people.consent_ts),
        "_variant": _variants(rng, people.consent_slot.size),
    })
    erasure_table = pa.table({
        "customer_id": _ids("C", customer_number[people.erased], customer_width),
        "requested_at": _timestamps(people.erased_at),
        "_variant": _variants(rng, people.erased.size),
    })

    erased_emails = persons.email.take(pa.array(people.erased)).to_pylist()
    return Shop(
        tables={
            "products": products_table,
            "customers": customers_table,
            "orders": orders_table,
            "order_lines": lines_table,
            "consent_events": consent_table,
            "erasure_requests": erasure_table,
        },
        order_person=p,
        order_registered=registered,
        order_total=totals.total,
        order_refunded=totals.refunded,
        line_starts=lines.starts,
        line_counts=lines.counts,
        line_order=lines.order,
        customer_slot=slots,
        erased_slots=people.erased,
        erased_emails=[e.strip().lower() for e in erased_emails],
        consent_slot=people.consent_slot,
        customer_width=customer_width,
        order_width=order_width,
        order_base=part.order_base,
        customer_base=part.customer_base,
    )


def _fresh_bound(n: int) -> int:
    """Upper bound of fresh ids a table's bad rows may need beyond its n clean ids."""
    return n // 50 + 1000


# --------------------------------------------------------------------------------------
# Bad rows
# --------------------------------------------------------------------------------------


@dataclass
class BadRows:
    """Extra rows of one table and the fate the pipeline must give each of them.

    Typed rows share the clean table's schema (so they can also go to Parquet);
    raw rows are complete CSV lines, only for the kinds a typed column cannot hold.
    """

    typed: list[pa.Table] = field(default_factory=list)
    typed_outcomes: list[str] = field(default_factory=list)
    typed_revenue: list[int | None] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    raw_outcomes: list[str] = field(default_factory=list)
    raw_revenue: list[int | None] = field(default_factory=list)

    def add_typed(self, rows: pa.Table, outcome: str, revenue: list[int | None] | None = None) -> None:
        self.typed.append(rows)
        self.typed_outcomes += [outcome] * rows.num_rows
        self.typed_revenue += revenue if revenue is not None else [None] * rows.num_rows

    def add_raw(self, lines: list[bytes], outcome: str, revenue: list[int | None] | None = None) -> None:
        self.raw += lines
        self.raw_outcomes += [outcome] * len(lines)
        self.raw_revenue += revenue if revenue is not None else [None] * len(lines)

    def extend(self, other: BadRows) -> None:
        self.typed += other.typed
        self.typed_outcomes += other.typed_outcomes
        self.typed_revenue += other.typed_revenue
        self.raw += other.raw
        self.raw_outcomes += other.raw_outcomes
        self.raw_revenue += other.raw_revenue

    def typed_table(self, schema: pa.Schema) -> pa.Table:
        if not self.typed:
            return schema.empty_table()
        return pa.concat_tables([t.cast(schema) for t in self.typed])

    @property
    def outcomes(self) -> list[str]:
        return self.typed_outcomes + self.raw_outcomes

    @property
    def revenue(self) -> list[int | None]:
        return self.typed_revenue + self.raw_revenue


def _per_kind(n_rows: int, n_kinds: int) -> int:
    """Rows per bad kind: ~0.2% of the table split over its kinds, at least 2."""
    return max(2, int(round(BAD_ROW_SHARE * n_rows / n_kinds)))


def _split(values: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    return np.split(values, np.cumsum(sizes)[:-1])


def _take_sources(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    """n distinct members of pool: the rows that bad rows are copied from.

    Distinct sources keep the kinds apart (an order is never both duplicated
    and in conflict), so that every bad row has exactly the intended fate.
    """
    if n > pool.size:
        raise ValueError("the shop is too small for its bad rows; use more customers or orders")
    return rng.choice(pool, size=n, replace=False)


def _csv_line(values: list[str]) -> bytes:
    """One CSV line with minimal double-quote quoting and a '\\n' ending."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(values)
    return buf.getvalue().encode("utf-8")


def _text_rows(table_name: str, rows: pa.Table) -> list[list[str]]:
    """Rows as the CSV writer would render them, as lists of strings ('' for null)."""
    rendered = _render_csv(table_name, rows)
    columns = []
    for col in rendered.columns:
        text = col if pa.types.is_string(col.type) else col.cast(pa.string())
        columns.append(["" if v is None else v for v in text.to_pylist()])
    return [list(r) for r in zip(*columns)] if columns else []


def _bad_orders(shop: Shop, csv_mode: bool, erased_order: np.ndarray, rng: np.random.Generator) -> tuple[BadRows, BadRows, np.ndarray]:
    """Bad orders rows, the lines cloned for some of them, and the conflicting orders."""
    orders = shop.tables["orders"]
    lines = shop.tables["order_lines"]
    M = orders.num_rows
    bad, bad_lines = BadRows(), BadRows()
    kinds = ["duplicate", "null_order_id", "no_customer", "negative_total", "refund_exceeds_total", "conflict"]
    if csv_mode:
        kinds += ["bad_timestamp", "bad_amount", "too_many_fields", "invalid_utf8"]
    per = _per_kind(M, len(kinds) - 1)  # the two missing-key kinds share one budget
    sizes = [per if k not in ("null_order_id", "no_customer") else max(2, per // 2) for k in kinds]
    safe = np.flatnonzero(shop.order_registered & ~erased_order)
    src = dict(zip(kinds, _split(_take_sources(rng, safe, sum(sizes)), sizes)))
    next_id = M + 1

    def fresh(rows: pa.Table) -> tuple[pa.Table, np.ndarray]:
        nonlocal next_id
        numbers = shop.order_base + np.arange(next_id, next_id + rows.num_rows)
        next_id += rows.num_rows
        return _set(rows, "order_id", _ids("O", numbers, shop.order_width)), numbers

    def revenue(idx: np.ndarray) -> list[int | None]:
        return [int(v) for v in shop.order_total[idx] - shop.order_refunded[idx]]

    def clone_lines(idx: np.ndarray, numbers: np.ndarray) -> None:
        """Give about half of the cloned orders a copy of the source order's lines."""
        pick = rng.random(idx.size) < 0.5
        if not pick.any():
            return
        o = idx[pick]
        counts = shop.line_counts[o]
        line_idx = np.repeat(shop.line_starts[o], counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        copied = lines.take(pa.array(line_idx))
        copied = _set(copied, "order_id", _ids("O", np.repeat(numbers[pick], counts), shop.order_width))
        bad_lines.add_typed(copied, "order_quarantined")

    take = lambda idx: orders.take(pa.array(idx))  # noqa: E731

    # (a) exact duplicates: collapsed by the pipeline.
    bad.add_typed(take(src["duplicate"]), COLLAPSED)
    # (b) missing key: empty order_id, or neither customer_id nor customer_email.
    idx = src["null_order_id"]
    bad.add_typed(_set(take(idx), "order_id", pa.nulls(idx.size, pa.string())), "missing_key", revenue(idx))
    idx = src["no_customer"]
    rows, numbers = fresh(take(idx))
    rows = _set(_set(rows, "customer_id", pa.nulls(idx.size, pa.string())), "customer_email", pa.nulls(idx.size, pa.string()))
    bad.add_typed(rows, "missing_key", revenue(idx))
    clone_lines(idx, numbers)
    # (e) negative order_total (no refund).
    idx = src["negative_total"]
    rows, numbers = fresh(take(idx))
    rows = _set(_set(rows, "order_total", _money(-shop.order_total[idx])), "refunded_total", pa.nulls(idx.size, pa.decimal128(18, 2)))
    bad.add_typed(rows, "negative_total", [int(-v) for v in shop.order_total[idx]])
    clone_lines(idx, numbers)
    # (f) refund larger than the order.
    idx = src["refund_exceeds_total"]
    rows, numbers = fresh(take(idx))
    extra = rng.integers(100, 5_000, idx.size)
    rows = _set(rows, "refunded_total", _money(shop.order_total[idx] + extra))
    bad.add_typed(rows, "refund_exceeds_total", [int(-v) for v in extra])
    clone_lines(idx, numbers)
    # (g) conflicting duplicate: same order_id, another order_total (higher, so no refund issue).
    conflict = src["conflict"]
    extra = rng.integers(100, 2_000, conflict.size)
    rows = _set(take(conflict), "order_total", _money(shop.order_total[conflict] + extra))
    bad.add_typed(rows, "conflicting_duplicate", [int(v) for v in shop.order_total[conflict] + extra - shop.order_refunded[conflict]])

    if csv_mode:
        # (c) unparseable ordered_at.
        idx = src["bad_timestamp"]
        rows, numbers = fresh(take(idx))
        text = _text_rows("orders", rows)
        col = orders.schema.get_field_index("ordered_at")
        for i, r in enumerate(text):
            r[col] = BAD_TIMESTAMPS[i % len(BAD_TIMESTAMPS)]
        bad.add_raw([_csv_line(r) for r in text], "unparseable_timestamp", revenue(idx))
        clone_lines(idx, numbers)
        # (d) unparseable order_total.
        idx = src["bad_amount"]
        rows, numbers = fresh(take(idx))
        text = _text_rows("orders", rows)
        col = orders.schema.get_field_index("order_total")
        for i, r in enumerate(text):
            r[col] = BAD_AMOUNTS[i % len(BAD_AMOUNTS)]
        bad.add_raw([_csv_line(r) for r in text], "unparseable_amount")
        clone_lines(idx, numbers)
        # (h) lines the CSV reader must reject: too many fields, bytes that are not UTF-8.
        idx = src["too_many_fields"]
        rows, _ = fresh(take(idx))
        text = _text_rows("orders", rows)
        bad.add_raw([_csv_line(r + [f"extra{j}" for j in range(20 - len(r))]) for r in text], "unparseable_line")
        idx = src["invalid_utf8"]
        rows, _ = fresh(take(idx))
        text = _text_rows("orders", rows)
        col = orders.schema.get_field_index("shipping_city")
        raw = []
        for r in text:
            r[col] = r[col][:2] + "\x00BAD\x00" + r[col][2:]
            raw.append(_csv_line(r).replace(b"\x00BAD\x00", INVALID_UTF8))
        bad.add_raw(raw, "unparseable_line")

    assert next_id - M - 1 <= _fresh_bound(M)
    return bad, bad_lines, conflict


def _bad_order_lines(shop: Shop, csv_mode: bool, blocked_order: np.ndarray, rng: np.random.Generator) -> BadRows:
    """Bad order_lines rows; their sources avoid erased and conflicting orders."""
    lines = shop.tables["order_lines"]
    M = shop.tables["orders"].num_rows
    bad = BadRows()
    kinds = ["duplicate", "missing_key", "negative_quantity", "line_without_order"]
    if csv_mode:
        kinds.append("bad_quantity")
    per = _per_kind(lines.num_rows, len(kinds))
    safe_orders = np.flatnonzero(shop.order_registered & ~blocked_order)
    o = _take_sources(rng, safe_orders, per * len(kinds))
    line_idx = shop.line_starts[o] + np.floor(rng.random(o.size) * shop.line_counts[o]).astype(np.int64)
    src = dict(zip(kinds, _split(line_idx, [per] * len(kinds))))
    take = lambda idx: lines.take(pa.array(idx))  # noqa: E731

    bad.add_typed(take(src["duplicate"]), COLLAPSED)
    idx = src["missing_key"]
    bad.add_typed(_set(take(idx), "product_id", pa.nulls(idx.size, pa.string())), "missing_key")
    idx = src["negative_quantity"]
    rows = take(idx)
    qty = rows.column("quantity").combine_chunks().to_numpy(zero_copy_only=False)
    bad.add_typed(_set(rows, "quantity", _int_column(-qty)), "negative_quantity")
    # Orphans point at ids above every orders row (and above the bad orders' fresh ids).
    idx = src["line_without_order"]
    orphan = shop.order_base + M + _fresh_bound(M) + 1 + np.arange(idx.size)
    bad.add_typed(_set(take(idx), "order_id", _ids("O", orphan, shop.order_width)), "line_without_order")
    if csv_mode:
        idx = src["bad_quantity"]
        text = _text_rows("order_lines", take(idx))
        col = lines.schema.get_field_index("quantity")
        for i, r in enumerate(text):
            r[col] = BAD_NUMBERS[i % len(BAD_NUMBERS)]
        bad.add_raw([_csv_line(r) for r in text], "unparseable_number")
    return bad


def _bad_customers(shop: Shop, csv_mode: bool, rng: np.random.Generator) -> BadRows:
    customers = shop.tables["customers"]
    N = customers.num_rows
    bad = BadRows()
    kinds = ["duplicate", "missing_key"] + (["bad_timestamp"] if csv_mode else [])
    per = _per_kind(N, len(kinds))
    safe = np.flatnonzero(~np.isin(shop.customer_slot, shop.erased_slots))
    src = dict(zip(kinds, _split(_take_sources(rng, safe, per * len(kinds)), [per] * len(kinds))))
    take = lambda idx: customers.take(pa.array(idx))  # noqa: E731

    bad.add_typed(take(src["duplicate"]), COLLAPSED)
    idx = src["missing_key"]
    bad.add_typed(_set(take(idx), "customer_id", pa.nulls(idx.size, pa.string())), "missing_key")
    if csv_mode:
        idx = src["bad_timestamp"]
        rows = _set(take(idx), "customer_id", _ids("C", shop.customer_base + N + 1 + np.arange(idx.size), shop.customer_width))
        text = _text_rows("customers", rows)
        col = customers.schema.get_field_index("created_at")
        for i, r in enumerate(text):
            r[col] = BAD_TIMESTAMPS[i % len(BAD_TIMESTAMPS)]
        bad.add_raw([_csv_line(r) for r in text], "unparseable_timestamp")
    return bad


def _bad_products(shop: Shop, rng: np.random.Generator) -> BadRows:
    products = shop.tables["products"]
    bad = BadRows()
    idx = _take_sources(rng, np.arange(products.num_rows), _per_kind(products.num_rows, 1))
    bad.add_typed(_set(products.take(pa.array(idx)), "product_id", pa.nulls(idx.size, pa.string())), "missing_key")
    return bad


def _bad_consent_events(shop: Shop, csv_mode: bool, rng: np.random.Generator) -> BadRows:
    events = shop.tables["consent_events"]
    bad = BadRows()
    if not csv_mode:
        return bad
    safe = np.flatnonzero(~np.isin(shop.consent_slot, shop.erased_slots))
    if safe.size == 0:
        return bad
    idx = _take_sources(rng, safe, _per_kind(events.num_rows, 1))
    text = _text_rows("consent_events", events.take(pa.array(idx)))
    col = events.schema.get_field_index("changed_at")
    for i, r in enumerate(text):
        r[col] = BAD_TIMESTAMPS[i % len(BAD_TIMESTAMPS)]
    bad.add_raw([_csv_line(r) for r in text], "unparseable_timestamp")
    return bad


# --------------------------------------------------------------------------------------
# Expected outcome (manifest)
# --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """Fate of every row of one written file."""

    rows_read: int = 0
    loaded: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    collapsed: int = 0
    erased: int = 0
    revenue: dict[str, int] | None = None

    def add_bad(self, bad: BadRows) -> None:
        for outcome, rev in zip(bad.outcomes, bad.revenue):
            self.rows_read += 1
            if outcome == COLLAPSED:
                self.collapsed += 1
            else:
                self.quarantined[outcome] += 1
                if self.revenue is not None and rev is not None:
                    self.revenue["quarantined"] += rev

    def add(self, other: Outcome) -> None:
        """Count the rows of another part of the same file too (every figure is a sum over rows)."""
        self.rows_read += other.rows_read
        self.loaded += other.loaded
        self.quarantined.update(other.quarantined)
        self.collapsed += other.collapsed
        self.erased += other.erased
        if other.revenue is not None:
            if self.revenue is None:
                self.revenue = dict.fromkeys(other.revenue, 0)
            for key, cents in other.revenue.items():
                self.revenue[key] += cents

    def to_json(self, file_name: str) -> dict[str, object]:
        total = self.loaded + sum(self.quarantined.values()) + self.collapsed + self.erased
        assert total == self.rows_read, (total, self.rows_read)
        out: dict[str, object] = {
            "file": file_name,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "quarantined": {r: self.quarantined[r] for r in REASONS if self.quarantined[r]},
            "collapsed_duplicates": self.collapsed,
            "erased": self.erased,
        }
        if self.revenue is not None:
            for key in ("loaded", "quarantined", "erased"):
                out[f"revenue_{key}"] = _format_cents(self.revenue[key])
        return out


def _erased_orders(shop: Shop) -> np.ndarray:
    """Orders of erasure customers: by customer_id, or a guest order with their email."""
    orders = shop.tables["orders"]
    erased = shop.order_registered & np.isin(shop.order_person, shop.erased_slots)
    guest = np.flatnonzero(~shop.order_registered)
    emails = orders.column("customer_email").take(pa.array(guest))
    emails = pc.utf8_lower(pc.utf8_trim_whitespace(emails))
    by_email = pc.is_in(emails, value_set=pa.array(shop.erased_emails, pa.string()))
    erased[guest[by_email.to_numpy(zero_copy_only=False)]] = True
    return erased


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

TIMESTAMP_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("ordered_at",),
    "customers": ("created_at",),
    "consent_events": ("changed_at",),
    "erasure_requests": ("requested_at",),
}
BOOL_VARIANT_COLUMNS: dict[str, tuple[str, ...]] = {"customers": ("is_business", "marketing_consent")}
BOOL_SPELLINGS = ("false", "true", "no", "yes", "0", "1")


def _render_csv(table_name: str, table: pa.Table) -> pa.Table:
    """The typed table as written to CSV: timestamps and some booleans become text."""
    variant = table.column("_variant").combine_chunks().to_numpy(zero_copy_only=False).astype(np.int64)
    for name in TIMESTAMP_COLUMNS.get(table_name, ()):
        i = table.schema.get_field_index(name)
        text = _format_timestamps(_column_seconds(table, name), (variant & 1) == 1)
        table = table.set_column(i, pa.field(name, pa.string()), text)
    for name in BOOL_VARIANT_COLUMNS.get(table_name, ()):
        i = table.schema.get_field_index(name)
        col = table.column(name).combine_chunks()
        value = col.fill_null(False).to_numpy(zero_copy_only=False).astype(np.int64)
        text = _pick(BOOL_SPELLINGS, ((variant >> 1) & 3) * 2 + value, valid=col.is_valid().to_numpy(zero_copy_only=False))
        table = table.set_column(i, pa.field(name, pa.string()), text)
    return table.drop_columns(["_variant"])


def _plan(rng: np.random.Generator, n_clean: int, n_items: int) -> list[tuple[str, int, int]]:
    """Where the extra rows go: ('clean', start, stop) slices and ('item', index, 0) rows.

    Extra rows come in up to 200 batches at random places, shuffled, like the
    output of a flaky import job.
    """
    if n_items == 0:
        return [("clean", 0, n_clean)]
    n_batches = min(n_items, 200)
    positions = np.sort(rng.integers(0, n_clean + 1, n_batches))
    batch = rng.integers(0, n_batches, n_items)
    order = np.argsort(batch, kind="stable")
    items = rng.permutation(n_items)[order]  # random items, grouped by batch
    batch = batch[order]
    plan: list[tuple[str, int, int]] = []
    prev = 0
    cursor = 0
    for b, pos in enumerate(positions.tolist()):
        if pos > prev:
            plan.append(("clean", prev, pos))
            prev = pos
        while cursor < n_items and batch[cursor] == b:
            plan.append(("item", int(items[cursor]), 0))
            cursor += 1
    if prev < n_clean:
        plan.append(("clean", prev, n_clean))
    return plan


def _segments(plan: list[tuple[str, int, int]], clean: pa.Table, typed: pa.Table, raw: list[bytes]) -> list[pa.Table | bytes]:
    """Turn a plan into table slices and raw lines.

    The typed extra rows are put into plan order with one `take`, so that each
    run of them becomes a zero-copy slice.
    """
    n_typed = typed.num_rows
    in_order = [a for kind, a, _ in plan if kind == "item" and a < n_typed]
    typed_sorted = typed.combine_chunks().take(pa.array(in_order, pa.int64())) if in_order else typed
    out: list[pa.Table | bytes] = []
    start = 0
    run = 0

    def flush() -> None:
        nonlocal start, run
        if run:
            out.append(typed_sorted.slice(start, run))
            start += run
            run = 0

    for kind, a, b in plan:
        if kind == "clean":
            flush()
            out.append(clean.slice(a, b - a))
        elif a < n_typed:
            run += 1
        else:
            flush()
            out.append(raw[a - n_typed])
    flush()
    return out


class TableFile:
    """One output file; every part of the shop appends its rows to it.

    Parquet: one ParquetWriter, each part's rows become row groups of at most a
    million rows.  CSV: the first part writes the header, later parts append lines.
    """

    def __init__(self, out_dir: Path, table_name: str, fmt: str) -> None:
        self.name = f"{table_name}.{fmt}"
        self.path = out_dir / self.name
        self.fmt = fmt
        self.parts_written = 0
        self._parquet: pq.ParquetWriter | None = None

    def write_parquet(self, table: pa.Table) -> None:
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(str(self.path), table.schema, compression="zstd")
        self._parquet.write_table(table, row_group_size=1_000_000)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None


def _write_csv(path: Path, segments: list[pa.Table | bytes], schema: pa.Schema, header: bool = True) -> None:
    """Header (unless appending) plus segments; tables go through Arrow's CSV writer without quoting.

    Values of these tables never contain commas, quotes or line breaks (Arrow
    raises if one does), so no quoting is needed; raw lines are written as is.
    """
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with pa.OSFile(str(path), "wb" if header else "ab") as sink:
        if header:
            sink.write((",".join(schema.names) + "\n").encode())
        writer = pacsv.CSVWriter(sink, schema, write_options=options)
        for seg in segments:
            if isinstance(seg, bytes):
                sink.write(seg)
            elif seg.num_rows:
                writer.write_table(seg)
        writer.close()


def _write_csv_quoted(path: Path, segments: list[pa.Table | bytes], schema: pa.Schema) -> None:
    """Small tables whose text needs quoting (product names): Python's csv module."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(schema.names)
        for seg in segments:
            if isinstance(seg, bytes):
                f.write(seg.decode("utf-8"))
                continue
            for row in seg.to_pylist():
                writer.writerow([_text_value(v) for v in row.values()])


def _text_value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _write_table(target: TableFile, table_name: str, clean: pa.Table, bad: BadRows, rng: np.random.Generator) -> None:
    """Append one part of a table, with its bad rows mixed in, to its file."""
    fmt = target.fmt
    typed = bad.typed_table(clean.schema)
    raw = bad.raw if fmt == "csv" else []
    plan = _plan(rng, clean.num_rows, typed.num_rows + len(raw))
    if fmt == "parquet":
        parts = [s for s in _segments(plan, clean, typed, []) if isinstance(s, pa.Table)]
        target.write_parquet(pa.concat_tables(parts).drop_columns(["_variant"]))
    else:
        clean_text = _render_csv(table_name, clean)
        typed_text = _render_csv(table_name, typed)
        segments = _segments(plan, clean_text, typed_text, raw)
        if table_name == "products":  # written once, by part 0
            _write_csv_quoted(target.path, segments, clean_text.schema)
        else:
            _write_csv(target.path, segments, clean_text.schema, header=target.parts_written == 0)
    target.parts_written += 1


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------

BUILD_STEPS = ("products and people", "order timelines", "customers and consent", "order lines", "order totals", "tables")
# Progress steps of a shop of one part; a shop of k parts runs the steps before
# "manifest" once per part, labelled 'part i/k: ' (later parts do not write products).
STEPS = (*BUILD_STEPS, "bad rows", *(f"write {t}" for t in TABLES), "manifest")


def _part_tables(part: Part) -> tuple[str, ...]:
    """Tables a part writes: the catalogue is the same for every part, so only part 0 writes products."""
    return TABLES if part.index == 0 else tuple(t for t in TABLES if t != "products")


def generate(config: GenerateConfig) -> dict[str, object]:
    """Generate the shop into config.out_dir and return the manifest (also written as manifest.json).

    The shop is drawn part by part (see `Part`); each part's rows are appended to
    the files and freed before the next part is drawn, so memory follows the size
    of a part, not of the shop.
    """
    config.validate()
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cal = _calendar(config.start, config.end)
    parts = _parts(config)
    # One catalogue for the whole shop (its size follows the whole shop's customers).
    cat = _catalogue(config.customers, _rng(config.seed, "catalogue"))
    files = {t: TableFile(out_dir, t, config.fmt) for t in TABLES}
    steps = [part.label + s for part in parts
             for s in (*BUILD_STEPS, "bad rows", *(f"write {t}" for t in _part_tables(part)))]
    outcomes: dict[str, Outcome] = {}

    with StepProgress([*steps, "manifest"], desc="generate", enabled=config.progress) as progress:
        try:
            for part in parts:
                for name, outcome in _generate_part(config, part, cal, cat, files, progress).items():
                    if name in outcomes:
                        outcomes[name].add(outcome)
                    else:
                        outcomes[name] = outcome
                pa.default_memory_pool().release_unused()  # hand the part's buffers back before the next
        finally:
            for f in files.values():
                f.close()

        with progress.step("manifest"):
            manifest = _manifest(config, outcomes, {t: f.name for t, f in files.items()})
            (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _generate_part(config: GenerateConfig, part: Part, cal: Calendar, cat: Catalogue, files: dict[str, TableFile],
                   progress: StepProgress) -> dict[str, Outcome]:
    """Draw one part, append its rows (with its bad rows) to the files, and return the fate of its rows."""
    csv_mode = config.fmt == "csv"
    seed, i, label = config.seed, part.index, part.label
    shop = _build_shop(config, part, cal, cat, progress)

    with progress.step(label + "bad rows"):
        erased_order = _erased_orders(shop)
        bad: dict[str, BadRows] = {t: BadRows() for t in TABLES}
        conflict = np.zeros(0, dtype=np.int64)
        if config.bad_rows:
            rng = _rng(seed, f"bad rows {config.fmt}", i)
            bad["orders"], cloned_lines, conflict = _bad_orders(shop, csv_mode, erased_order, rng)
            conflict_order = np.zeros(shop.order_total.size, dtype=bool)
            conflict_order[conflict] = True
            bad["order_lines"] = _bad_order_lines(shop, csv_mode, erased_order | conflict_order, rng)
            bad["order_lines"].extend(cloned_lines)
            bad["customers"] = _bad_customers(shop, csv_mode, rng)
            bad["products"] = _bad_products(shop, rng)
            bad["consent_events"] = _bad_consent_events(shop, csv_mode, rng)

    # Files are independent, so two threads write them (Arrow's writers release the GIL).
    tables = _part_tables(part)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {
            pool.submit(
                _write_table, files[name], name, shop.tables[name], bad[name],
                _rng(seed, f"placement {name} {config.fmt}", i),
            ): name
            for name in sorted(tables, key=lambda t: -shop.tables[t].num_rows)  # biggest first
        }
        for job in as_completed(jobs):
            job.result()
            progress.advance(f"{label}wrote {jobs[job]}")

    outcomes = _outcomes(shop, bad, erased_order, conflict)
    return {name: outcomes[name] for name in tables}


def _outcomes(shop: Shop, bad: dict[str, BadRows], erased_order: np.ndarray,
              conflict: np.ndarray) -> dict[str, Outcome]:
    """The expected pipeline outcome of every row of one part.

    Every figure is a count or a sum over rows, and a part's rows meet no row of
    another part in the pipeline's rules (its ids and email addresses are its own),
    so the outcomes of the parts add up to that of the shop.
    """
    conflict_order = np.zeros(shop.order_total.size, dtype=bool)
    conflict_order[conflict] = True
    revenue = shop.order_total - shop.order_refunded
    o = Outcome(rows_read=int(erased_order.size), revenue={"loaded": 0, "quarantined": 0, "erased": 0})
    o.erased = int(erased_order.sum())
    o.quarantined["conflicting_duplicate"] += int(conflict_order.sum())
    o.loaded = o.rows_read - o.erased - int(conflict_order.sum())
    assert o.revenue is not None
    o.revenue["loaded"] = int(revenue[~erased_order & ~conflict_order].sum())
    o.revenue["erased"] = int(revenue[erased_order].sum())
    o.revenue["quarantined"] = int(revenue[conflict_order].sum())
    o.add_bad(bad["orders"])
    outcomes = {"orders": o}

    line_erased = erased_order[shop.line_order]
    line_conflict = conflict_order[shop.line_order]
    o = Outcome(rows_read=int(line_erased.size))
    o.erased = int(line_erased.sum())
    o.quarantined["order_quarantined"] += int(line_conflict.sum())
    o.loaded = o.rows_read - o.erased - int(line_conflict.sum())
    o.add_bad(bad["order_lines"])
    outcomes["order_lines"] = o

    for name, slots in (("customers", shop.customer_slot), ("consent_events", shop.consent_slot)):
        erased = np.isin(slots, shop.erased_slots)
        o = Outcome(rows_read=int(slots.size), erased=int(erased.sum()), loaded=int((~erased).sum()))
        o.add_bad(bad[name])
        outcomes[name] = o
    for name in ("products", "erasure_requests"):
        n = shop.tables[name].num_rows
        o = Outcome(rows_read=n, loaded=n)
        o.add_bad(bad[name])
        outcomes[name] = o
    return outcomes


def _manifest(config: GenerateConfig, outcomes: dict[str, Outcome], files: dict[str, str]) -> dict[str, object]:
    """The expected pipeline outcome of every written row (the parts' outcomes added up)."""
    tables = {name: outcomes[name].to_json(files[name]) for name in TABLES}
    return {
        "seed": config.seed,
        "customers": config.customers,
        "orders": config.orders,
        "format": config.fmt,
        "start": config.start.isoformat(),
        "end": config.end.isoformat(),
        "bad_rows": config.bad_rows,
        "tables": tables,
    }

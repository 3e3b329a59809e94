-- The auction: catalog, cars, images and sealed bids.
--
-- car_count of brands, kinds and models counts their cars in every status
-- and listed_count of models (and auction_totals.listed) counts the cars
-- whose auction started; both are maintained in the transaction that
-- inserts or approves a car, so reading them costs one row.
CREATE TABLE auction_brands (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    car_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE auction_kinds (
    id        INTEGER PRIMARY KEY,
    brand_id  INTEGER NOT NULL REFERENCES auction_brands (id),
    name      TEXT NOT NULL,
    car_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (brand_id, name)
);
CREATE INDEX auction_kinds_name ON auction_kinds (name);

CREATE TABLE auction_models (
    id           INTEGER PRIMARY KEY,
    kind_id      INTEGER NOT NULL REFERENCES auction_kinds (id),
    name         TEXT NOT NULL,
    car_count    INTEGER NOT NULL DEFAULT 0,
    listed_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind_id, name)
);
CREATE INDEX auction_models_name ON auction_models (name);

CREATE TABLE auction_totals (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    listed INTEGER NOT NULL
);
INSERT INTO auction_totals (id, listed) VALUES (1, 0);

-- Times are unix nanoseconds; year is a yyyy-mm-dd date. status is never
-- 'end': an ongoing car whose auction_end has passed reads as ended.
CREATE TABLE auction_cars (
    id            INTEGER PRIMARY KEY,
    owner_id      INTEGER NOT NULL REFERENCES users (id),
    model_id      INTEGER NOT NULL REFERENCES auction_models (id),
    year          TEXT NOT NULL,
    fuel_type     TEXT NOT NULL,
    transmission  TEXT NOT NULL,
    color         TEXT NOT NULL,
    mileage       INTEGER NOT NULL,
    address       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('waiting', 'ongoing', 'sold')),
    auction_start INTEGER,
    auction_end   INTEGER,
    buyer_id      INTEGER REFERENCES users (id),
    sold_bid_id   INTEGER,
    created       INTEGER NOT NULL
);
-- The list (cars whose auction started, by start then id) and its model
-- filter walk these partial indexes; the id is the rowid at each entry's end.
CREATE INDEX auction_cars_listed ON auction_cars (auction_start) WHERE auction_start IS NOT NULL;
CREATE INDEX auction_cars_model_listed ON auction_cars (model_id, auction_start) WHERE auction_start IS NOT NULL;
CREATE INDEX auction_cars_owner ON auction_cars (owner_id);

CREATE TABLE auction_car_images (
    id        INTEGER PRIMARY KEY,
    car_id    INTEGER NOT NULL REFERENCES auction_cars (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    path      TEXT NOT NULL,
    represent INTEGER NOT NULL DEFAULT 0,
    UNIQUE (car_id, position)
);
CREATE UNIQUE INDEX auction_car_images_represent ON auction_car_images (car_id) WHERE represent;

CREATE TABLE auction_bids (
    id        INTEGER PRIMARY KEY,
    car_id    INTEGER NOT NULL REFERENCES auction_cars (id) ON DELETE CASCADE,
    bidder_id INTEGER NOT NULL REFERENCES users (id),
    amount    INTEGER NOT NULL CHECK (amount > 0),
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    UNIQUE (car_id, bidder_id)
);
CREATE INDEX auction_bids_amount ON auction_bids (car_id, amount DESC, id);

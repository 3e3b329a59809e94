-- car_count of brands, kinds and models counts only the cars whose auction
-- started (ongoing, ended or sold), the cars anyone may see: a count of
-- waiting cars revealed cars that only their owners and the superusers may
-- read. The counts are recomputed once from the listed counts; the stores
-- keep them from here on (a car counts from its approval).
UPDATE auction_models SET car_count = listed_count;
UPDATE auction_kinds SET car_count = (SELECT coalesce(sum(m.listed_count), 0) FROM auction_models m WHERE m.kind_id = auction_kinds.id);
UPDATE auction_brands SET car_count = (SELECT coalesce(sum(k.car_count), 0) FROM auction_kinds k WHERE k.brand_id = auction_brands.id);

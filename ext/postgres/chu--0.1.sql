/* chu--0.1.sql: the objects of CREATE EXTENSION chu (ext/postgres/chu_pg.c has the code). */
\echo Use "CREATE EXTENSION chu" to load this file. \quit

-- The parser: units as chu_search_keys() finds them, each token the original bytes of the text.
CREATE FUNCTION chu_prs_start(internal, int4) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION chu_prs_nexttoken(internal, internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION chu_prs_end(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION chu_prs_lextype(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;

CREATE TEXT SEARCH PARSER chu (
	START = chu_prs_start,
	GETTOKEN = chu_prs_nexttoken,
	END = chu_prs_end,
	LEXTYPES = chu_prs_lextype,
	HEADLINE = pg_catalog.prsd_headline
);
COMMENT ON TEXT SEARCH PARSER chu IS 'Vietnamese units (syllables, numbers) as chu indexes them';

-- The dictionary: a unit's key (NFC, one tone placement, lowercase) and, with chu.model, its word key.
CREATE FUNCTION chu_lexize(internal, internal, internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE TEXT SEARCH TEMPLATE chu_dict (LEXIZE = chu_lexize);
CREATE TEXT SEARCH DICTIONARY chu_dict (TEMPLATE = chu_dict);
COMMENT ON TEXT SEARCH DICTIONARY chu_dict IS 'chu search keys: hòa and hoà are one key';

CREATE TEXT SEARCH CONFIGURATION vietnamese (PARSER = chu);
ALTER TEXT SEARCH CONFIGURATION vietnamese ADD MAPPING FOR word, numword WITH chu_dict;
COMMENT ON TEXT SEARCH CONFIGURATION vietnamese IS 'Vietnamese, as chu indexes it';

-- Queries: websearch syntax, terms typed without marks match every spelling.
CREATE FUNCTION chu_tsquery(text) RETURNS tsquery
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chu_tsquery(text) IS 'websearch syntax; a term without marks matches every spelling (phu: phú, phụ, …); a query with a mark is taken as written';

-- Bytes that are not UTF-8 are an ERROR, never a crash. A UTF8 database refuses them before chu
-- sees them; a SQL_ASCII database stores any bytes, so chu checks.
SELECT to_tsvector('vietnamese', convert_from('\x7068e1bb'::bytea, 'UTF8'));
\set regress_db :DBNAME
CREATE DATABASE chu_sql_ascii TEMPLATE template0 ENCODING 'SQL_ASCII' LOCALE 'C';
\c chu_sql_ascii
CREATE EXTENSION chu;
SELECT to_tsvector('vietnamese', 'Phụ nữ');
SELECT to_tsvector('vietnamese', E'ph\xe1\xbb nu');
SELECT to_tsvector('vietnamese', E'\xff');
SELECT chu_tsquery(E'hoa \xc3');
SELECT ts_headline('vietnamese', E'hoa\x80', chu_tsquery('hoa'));
SELECT ts_lexize('chu_dict', E'\xe1\xbb');
SELECT to_tsvector('vietnamese', 'still working');
\c :regress_db
DROP DATABASE chu_sql_ascii;
-- a database in another encoding is refused with the reason
CREATE DATABASE chu_latin1 TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C';
\c chu_latin1
CREATE EXTENSION chu;
SELECT to_tsvector('vietnamese', 'hoa');
\c :regress_db
DROP DATABASE chu_latin1;

"""The offline gazetteer: German postcodes and towns with coordinates, loaded from a
package's data file into PostgreSQL and searched with pg_trgm (no request leaves the
server). It knows no domain; the listings' map and form use it."""

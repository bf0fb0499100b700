# tests/city.sh — sourced by the it_*.sh scripts that run the nightly job on the synthetic
# city (not a test itself).  Needs $VSP and fail().
#
# city_configs DIR: generate and load the city of seed 42 into DIR/city, and write
# DIR/pc4.ini (config/demo.ini pointed at that city, outputs in DIR/out) and DIR/pc6.ini
# (the same at PC6 level: level, layer and id_field).
city_configs() {
	"$VSP" synth --quiet --output "$1/city" --seed 42 --load
	sed -e "s|demo-out/city/city.gpkg|$1/city/city.gpkg|" -e "s|demo-out/runs|$1/out|" config/demo.ini > "$1/pc4.ini"
	grep -q '^level = pc4' "$1/pc4.ini" && grep -q '^layer = pc4' "$1/pc4.ini" && grep -q '^id_field = pc4' "$1/pc4.ini" ||
		fail "config/demo.ini no longer has level, layer and id_field = pc4"
	sed -e 's/^level = pc4/level = pc6/' -e 's/^layer = pc4/layer = pc6/' -e 's/^id_field = pc4/id_field = pc6/' \
		"$1/pc4.ini" > "$1/pc6.ini"
}

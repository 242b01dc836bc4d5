# make demo: the pseries-like example emulator (demo/), built with meson
# through meson-glue exactly as a C emulator would build against SwiftTCE,
# then run. It writes build/demo/frame.png and build/demo/replay-vs-window.png
# and prints its report.
#   make demo DEMO_ARGS="--window-size=1T --page-size=4K --mappings=1000"

DEMO_BUILD := $(BUILD)/demo-build
DEMO_OUT   := $(BUILD)/demo
DEMO_ARGS  ?=

# The subproject, not an installed swifttce.pc: the demo shows the glue.
demo: deps all
	@if [ ! -f $(DEMO_BUILD)/build.ninja ]; then \
	    echo "meson setup $(DEMO_BUILD) demo"; \
	    meson setup --force-fallback-for=swifttce $(DEMO_BUILD) demo || exit 1; \
	fi
	meson compile -C $(DEMO_BUILD)
	@mkdir -p $(DEMO_OUT)
	$(DEMO_BUILD)/pseries-demo --output=$(DEMO_OUT)/frame.png $(DEMO_ARGS)

# make check builds and runs it too, with a few other shapes of window.
CHECK_SCRIPTS += Tests/demo-check.sh

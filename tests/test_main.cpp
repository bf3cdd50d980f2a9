// The doctest runner: every tests/test_*.cpp is linked into one binary (build/bin/tests).
// Run one chapter's suite with:  build/bin/tests --test-suite='01-neuron'
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

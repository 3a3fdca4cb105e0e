# Each harness, the folders of its seed corpus (relative to the source tree), and how many inputs
# its test in the suite runs: about 5 to 15 s each with the sanitizers on one core.
set(KVSIM_FUZZ_HARNESSES fuzz_scenario fuzz_set fuzz_catalog fuzz_profile
    fuzz_trace_azure fuzz_trace_mooncake fuzz_trace_vidur fuzz_trace_burstgpt)
set(KVSIM_FUZZ_SEEDS_fuzz_scenario scenarios)
set(KVSIM_FUZZ_SEEDS_fuzz_set tests/fuzz/seeds/set)
set(KVSIM_FUZZ_SEEDS_fuzz_catalog models/llm models/gpu)
set(KVSIM_FUZZ_SEEDS_fuzz_profile models/profiles)
foreach(format azure mooncake vidur burstgpt)
  set(KVSIM_FUZZ_SEEDS_fuzz_trace_${format} tests/data/traces tests/data/e2e)
  set(KVSIM_FUZZ_RUNS_fuzz_trace_${format} 2000)
endforeach()
set(KVSIM_FUZZ_RUNS_fuzz_scenario 400)  # an input parses a scenario and loads catalogs: ~30 ms
set(KVSIM_FUZZ_RUNS_fuzz_set 5000)
set(KVSIM_FUZZ_RUNS_fuzz_catalog 5000)
set(KVSIM_FUZZ_RUNS_fuzz_profile 500)

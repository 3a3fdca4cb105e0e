// How the tokens of one step spread over the routed experts of a mixture-of-experts layer, and
// what that costs the GPU that finishes last. Routing is taken as uniform and independent across
// tokens: each token picks k distinct experts of E, so one expert receives Binomial(T, k/E) rows
// (Tk in all). Real routers are skewed; uniform routing is the planning assumption (the balance
// that auxiliary load-balancing losses aim for).
//
// Per step, for a layer of E experts held by G groups of E/G experts each (G = 1 with tensor
// parallelism, where every GPU holds a 1/tp slice of every expert, vLLM's default; G = the
// expert-parallel size with deployment.expert_parallel, where each GPU holds E/G whole experts):
//
//   active experts       A(T)  = E (1 - (1 - k/E)^T)                 (expected distinct experts hit)
//   busiest group        A_max = A/G + z(G) sqrt(E/G q (1 - q)),  q = A/E,   within [A/G, min(A, E/G)]
//                        R_max = Tk/G + z(G) sqrt(T k (1/G)(1 - 1/G)(E - k)/(E - 1)),  within [Tk/G, Tk]
//                                (a token's k experts fall in a group as a hypergeometric draw)
//   most-loaded expert   M_max = Tk/E + z(E) sqrt(T (k/E)(1 - k/E)),           within [min(1, T), T]
//                                (below 16 rows per expert: sum over x of 1 - F(x)^E, F the
//                                Binomial(T, k/E) distribution, as experts' counts are discrete)
//
// z(n) is the expected largest of n independent standard normal variables, by Blom's formula
// z(n) = Phi^-1((n - 0.375) / (n + 0.25)) (G. Blom, "Statistical Estimates and Transformed
// Beta-Variables", Wiley 1958; within 0.03 of the exact values for n >= 2). For many tokens this
// is the balls-into-bins maximum load m/n + Theta(sqrt(2 (m/n) ln n)) for m >= n ln n balls in n
// bins (Raab and Steger, "Balls into Bins - A Simple and Tight Analysis", RANDOM 1998), with the
// constant of a finite n instead of its limit sqrt(2 ln n), which overstates small n by 30-100%.
// The step waits for the busiest group: with expert parallelism the layer's output all-reduce
// synchronises the GPUs. tests/unit/test_models_moe.cpp checks the formulas against simulated
// routing.
#pragma once

namespace kvsim {

// E (1 - (1 - k/E)^T): expected experts of `experts` that at least one of `tokens` tokens, each
// routed to `experts_per_token` distinct experts, reaches. 0 when any argument is 0.
double expected_active_experts(double experts, double experts_per_token, double tokens);

// Blom's estimate of the expected largest of n independent standard normal variables (0 for n <= 1).
double expected_max_standard_normal(double n);

// The routed work of one MoE layer on the GPU that finishes last.
struct ExpertLoad {
  double active_experts = 0;   // experts whose weights that GPU reads (whole or sliced)
  double rows = 0;             // token-expert rows that GPU computes
  double rows_per_active() const { return active_experts > 0 ? rows / active_experts : 0; }
};

// One layer's routing, set up once per deployment; load() is a few arithmetic operations and one
// pow, allocates nothing, and suits the step models' hot paths (max_expert_rows may sum a few
// dozen terms: for tabulation).
class ExpertRouting {
 public:
  ExpertRouting() = default;
  // `groups` = 1 for tensor-parallel experts, else the expert-parallel size (it must divide
  // `experts`; perf/deployment_layout.h checks).
  ExpertRouting(double experts, double experts_per_token, double groups);

  // `tokens` may be fractional (interpolated token counts).
  ExpertLoad load(double tokens) const;
  // M_max: rows of the most-loaded expert, the longest single GEMM of the grouped kernel.
  double max_expert_rows(double tokens) const;

 private:
  double experts_ = 0, k_ = 0, groups_ = 1;
  double z_groups_ = 0, z_experts_ = 0;
};

}  // namespace kvsim

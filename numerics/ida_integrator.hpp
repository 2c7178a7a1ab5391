// SUNDIALS IDA with the KLU sparse direct solver and an exact Jacobian. Owns every SUNDIALS
// object (RAII); one C trampoline per callback forwards to the DaeModel and turns
// exceptions into IDA error codes with the message kept.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "numerics/dae_model.hpp"

namespace ssbsim {

struct SolverSettings {
    double rtol = 1e-6;
    double atol = 1e-6;          // scaled per component by the model
    double max_step = 0.0;       // [s], 0: unlimited
    double initial_step = 0.0;   // [s], 0: IDA chooses
    int max_order = 5;
    double nonlinear_convergence_coefficient = 0.33;
    // KLU keeps its pivot order between Jacobians while it fits (numerics/klu_solver.hpp);
    // false restores SUNDIALS' own setup, which re-pivots whenever the condition is large.
    bool keep_pivots = true;
    // Fused N_Vector operations and our own WRMS norms (numerics/vector_ops.hpp); false
    // restores SUNDIALS' serial operations, for comparison.
    bool fast_vector_ops = true;
    // Eliminate the model's chains (DaeModel::elimination_chains: the particles' inner
    // shells) by tridiagonal sweeps before KLU (numerics/chain_elimination.hpp); false gives
    // KLU the whole matrix, for comparison.
    bool eliminate_chains = true;
    // IDA's corrector by our Newton (numerics/newton_solver.hpp), which gives up a stale
    // Jacobian sooner; false restores SUNDIALS' Newton, for comparison.
    bool adaptive_newton = true;
    // With it, a setup that only changes cj rebuilds the kept Jacobian at the new cj where
    // the model allows (DaeModel::jacobian_separates_mass); false evaluates at every setup.
    bool reuse_jacobian = true;
    // With it, after a corrector failure led by an unknown the model can solve locally
    // (DaeModel::solve_local: the intercalation currents), the corrector solves those rows
    // at every iterate for a while (numerics/newton_solver.hpp LocalSolve); false: never.
    bool local_elimination = true;
    void validate() const;
};

struct SolverStats {
    long steps = 0, residual_evaluations = 0, jacobian_evaluations = 0,
         nonlinear_iterations = 0, convergence_failures = 0, error_test_failures = 0;
    long linear_setups = 0, fresh_factorisations = 0;  // KLU: Jacobians factorised, with pivoting
    long jacobian_rebuilds = 0;  // setups that rebuilt the kept Jacobian at a new cj (no evaluation)
    SolverStats& operator+=(const SolverStats& o);
};

class IdaIntegrator {
public:
    // Event functions g(t, y, y') whose sign changes IDA locates.
    using RootFunction = std::function<void(double t, const double* y, const double* yp, double* g)>;

    IdaIntegrator(DaeModel& model, const SolverSettings& settings, double t0, const double* y0,
                  const double* yp0);
    ~IdaIntegrator();
    IdaIntegrator(const IdaIntegrator&) = delete;
    IdaIntegrator& operator=(const IdaIntegrator&) = delete;

    // Restart at a step change: new initial values (IDA restarts at order 1).
    void reinit(double t0, const double* y0, const double* yp0);
    // Consistent initial conditions: algebraic y and differential y' (IDA_YA_YDP_INIT).
    // step_sizes: how many IC step sizes IDA tries (each a tenth of the last; its default 5).
    void calc_ic(double t_next, int step_sizes = 5);
    void set_roots(int count, RootFunction fn);
    void set_stop_time(double t_stop);
    void clear_stop_time();
    // Newton iterations per corrector solve (IDA's default 4): more after a convergence
    // failure lets the corrector through a sharp, smooth kink of the kinetics.
    void set_max_newton_iterations(int n);

    enum class Result { step, stop_time, root };
    // Advances one internal step toward t_out. Throws SolverError on failure.
    Result step(double t_out);
    std::vector<int> roots_found() const;

    double time() const { return t_; }
    const double* y() const;
    const double* yp() const;
    double* y_mutable();
    double* yp_mutable();
    // Dense output within the last step.
    void interpolate(double t, double* y_out) const;
    SolverStats stats() const;
    DaeModel& model() { return model_; }
    // Unknowns the linear solver eliminates ahead of KLU (0: KLU solves the whole matrix).
    int eliminated_unknowns() const;
    // "; largest weighted local errors: ..." over the components allowed by
    // set_reported_components (all by default).
    std::string describe_worst_components(int count) const;
    // mask[i] != 0: component i is a physical variable failure reports may name (book-keeping
    // integrals such as the charge passed say nothing about why a step failed).
    void set_reported_components(std::vector<char> mask);

    struct Impl;  // SUNDIALS objects; public only so the C callbacks can reach it

private:
    // Newton on the algebraic equations with a fresh Jacobian per iteration (the recovery
    // of calc_ic from a state whose algebraic unknowns drifted; ida_integrator.cpp).
    bool settle_algebraic(double t);
    std::unique_ptr<Impl> impl_;
    DaeModel& model_;
    double t_ = 0.0;
};

}  // namespace ssbsim

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "core/hdf5_file.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
    ssbsim::h5::skip_library_teardown();  // every result file is closed before main returns
    CLI::App app{"ssbsim - composite-cathode simulator for sulfide solid-state batteries"};
    app.set_version_flag("--version", std::string("ssbsim ") + ssbsim::kVersion + " (" +
                                          ssbsim::kGitCommit + ")");
    app.require_subcommand(1);

    ssbsim::cli::RunOptions ro;
    auto* run = app.add_subcommand("run", "Run a simulation (the embedded Study A default without CONFIG)");
    run->add_option("config", ro.config, "YAML config file");
    run->add_option("-o,--output", ro.output, "HDF5 result file (overrides output.file)");
    run->add_option("--set", ro.set, "Override a config value: key.path=value (repeatable)")
        ->allow_extra_args(false);
    run->add_flag("-q,--quiet", ro.quiet, "Print only errors");
    bool no_progress = false;
    run->add_flag("--no-progress", no_progress, "No progress display");
    run->add_flag("--no-output", ro.no_output, "Write no result file (as output.file: none); the summary is printed");
    run->add_flag("--progress", ro.force_progress,
                  "Draw the progress line (elapsed, ETA) also when stderr is not a terminal");
    const auto summary_modes = CLI::IsMember({"condensed", "full", "cycles", "none", "fields"});
    run->add_option("--summary", ro.summary,
                    "What the summary prints: condensed (default: first, last and every Nth cycle "
                    "beyond 30 cycles), full, cycles (the cycle table only), fields (every cycle field of the schema) or none")
        ->check(summary_modes);
    run->add_option("--checkpoint", ro.checkpoint,
                    "Write a checkpoint (docs/data_formats.md) to this HDF5 file, with --checkpoint-after-step");
    run->add_option("--checkpoint-after-step", ro.checkpoint_after,
                    "The checkpoint is taken after this many protocol steps (the run goes on)");
    run->add_option("--restart", ro.restart,
                    "Continue from a checkpoint of the same config (the result file holds the whole run)");

    std::string check_config;
    std::vector<std::string> check_set;
    bool print = false;
    auto* chk = app.add_subcommand("check", "Validate a config without running it");
    chk->add_option("config", check_config, "YAML config file (default: embedded)");
    chk->add_option("--set", check_set, "Override a config value: key.path=value")->allow_extra_args(false);
    chk->add_flag("--print", print, "Write the fully resolved config as YAML");

    std::string info_file;
    bool json = false;
    auto* inf = app.add_subcommand("info", "Summarise a result file");
    inf->add_option("file", info_file, "HDF5 result file")->required();
    inf->add_flag("--json", json, "Machine-readable JSON");
    std::string info_summary = "condensed";
    inf->add_option("--summary", info_summary, "condensed (default), full, cycles (the cycle table only), fields (every cycle field of the schema) or none")
        ->check(summary_modes);

    std::string sweep_file, sweep_dir;
    int sweep_jobs = 0;
    bool sweep_quiet = false;
    auto* swp = app.add_subcommand("sweep", "Run a parameter sweep (resumable; MPI under mpirun when built with it)");
    swp->add_option("file", sweep_file, "Sweep YAML file")->required();
    swp->add_option("-o,--output", sweep_dir, "Output directory (default: next to the sweep file, named after it)");
    swp->add_option("-j,--jobs", sweep_jobs, "Parallel worker processes (default: all cores)");
    swp->add_flag("-q,--quiet", sweep_quiet, "Print only errors");

    ssbsim::cli::ValidateOptions vo;
    bool no_plot = false;
    auto* val = app.add_subcommand("validate", "Simulate what a measured dataset describes and compare");
    val->add_option("config", vo.config, "YAML config of the cell (the protocol is adapted to the data)")->required();
    val->add_option("--data", vo.data, "Measured data: CSV (docs/data_formats.md) or EC-Lab .mpt")->required();
    val->add_option("-o,--output", vo.output, "Output directory (default: <data name>_validation)");
    val->add_option("--set", vo.set, "Override a config value: key.path=value")->allow_extra_args(false);
    val->add_option("--mass", vo.mass, "Active mass when the data file lacks it, e.g. \"9.03 mg\"");
    val->add_option("--format", vo.format, "auto, csv or mpt")->check(CLI::IsMember({"auto", "csv", "mpt"}));
    val->add_option("--current-sign", vo.current_sign, "-1 if the file's current is positive on discharge")
        ->check(CLI::IsMember({-1, 1}));
    val->add_option("--shoulder", vo.shoulder, "Shoulder threshold potential [V]");
    val->add_option("--reference", vo.reference,
                    "What the data's potentials are: auto (as the file declares: an Ecell/V or cell_voltage "
                    "column, a '# reference: cell' header), cell (cell voltages) or li (vs Li/Li+)")
        ->check(CLI::IsMember({"auto", "cell", "li"}));
    val->add_flag("--no-plot", no_plot, "Do not render overlay.png");
    val->add_option("-j,--jobs", vo.jobs, "Parallel simulations (default: all cores)");
    val->add_flag("-q,--quiet", vo.quiet, "Print only errors");

    // `ssbsim fit ...` runs the ssbsim-fit executable beside this one (Ceres stays out of
    // every other command's start-up).
    if (argc >= 2 && std::string(argv[1]) == "fit") return ssbsim::cli::exec_sibling("ssbsim-fit", argc - 1, argv + 1);
    app.add_subcommand("fit", "Calibrate parameters to measured datasets (Ceres least squares; ssbsim fit --help)");

    CLI11_PARSE(app, argc, argv);
    if (*val) {
        vo.plot = !no_plot;
        return ssbsim::cli::validate(vo);
    }

    if (*swp) return ssbsim::cli::sweep(sweep_file, sweep_dir, sweep_jobs, sweep_quiet);
    if (*run) {
        ro.progress = !no_progress;
        return ssbsim::cli::run(ro);
    }
    if (*chk) return ssbsim::cli::check(check_config, check_set, print);
    if (*inf) return ssbsim::cli::info(info_file, json, info_summary);
    return 1;
}

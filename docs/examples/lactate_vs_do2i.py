"""Peak lactate against nadir DO2i over a virtual cohort, with the critical DO2i band.

A notebook-style script (the ``# %%`` cells run one by one in Jupyter, VS Code or Spyder).
From the repository root, with the Python package installed (docs/research.md#python)::

    pip install ./crates/perfuse-py matplotlib
    python docs/examples/lactate_vs_do2i.py --patients 100

It runs ``cohorts/flow-index-elderly-anaemic.toml`` (CI 2.2 vs 2.6 L/min/m²) and plots each
run's peak lactate against its nadir DO2i on full bypass, with the band of published critical
DO2i values: 262 mL/min/m² (de Somer et al., Crit Care 2011;15:R192) to 272 mL/min/m²
(Ranucci et al., Ann Thorac Surg 2005;80:2213), below which lactate rises.
"""

# %% Settings
import argparse

import matplotlib

matplotlib.use("Agg")  # files only; drop this line in a notebook
import matplotlib.pyplot as plt

import perfuse

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--spec", default="cohorts/flow-index-elderly-anaemic.toml")
parser.add_argument("--patients", type=int, default=100)
parser.add_argument("--out", default="docs/screenshots/lactate-vs-do2i.png")
parser.add_argument("--summary-csv", help="also write the summary table here")
args = parser.parse_args()

# Published critical DO2i, mL/min/m²: de Somer 2011 and Ranucci 2005.
CRITICAL_DO2I_BAND = (262, 272)

# %% Run the cohort (all local cores; perfuse.ray.run_cohort for a cluster)
tables = perfuse.run_cohort(args.spec, patients=args.patients)
if args.summary_csv:
    tables["summary"].to_csv(args.summary_csv, index=False)
summary = tables["summary"].dropna(subset=["nadir_do2i_ml_min_m2", "peak_lactate_mmol_l"])
print(summary.groupby("arm")[["nadir_do2i_ml_min_m2", "peak_lactate_mmol_l"]].median())

# %% Plot
fig, ax = plt.subplots(figsize=(7.5, 4.6), dpi=100)
ax.axvspan(*CRITICAL_DO2I_BAND, color="tab:red", alpha=0.15, lw=0,
           label="critical DO2i 262–272 (de Somer 2011, Ranucci 2005)")
for (arm, rows), colour in zip(summary.groupby("arm", sort=False), ["tab:orange", "tab:blue"]):
    ax.scatter(rows["nadir_do2i_ml_min_m2"], rows["peak_lactate_mmol_l"], s=14, alpha=0.7,
               color=colour, label=f"{arm} L/min/m² (n = {len(rows)})")
# Median peak lactate in 20 mL/min/m² bins of nadir DO2i, both arms pooled.
bins = (summary["nadir_do2i_ml_min_m2"] // 20) * 20 + 10
medians = summary.groupby(bins)["peak_lactate_mmol_l"].median()
counts = summary.groupby(bins).size()
medians = medians[counts >= 5]
ax.plot(medians.index, medians.values, color="black", lw=1.5, marker="o", ms=3,
        label="median per 20 mL/min/m² bin")
ax.set_xlabel("nadir DO2i on full bypass, mL/min/m²")
ax.set_ylabel("peak arterial lactate, mmol/L")
ax.set_title(f"{args.patients} elderly anaemic patients × 2 flow indices (perfuse cohort)",
             fontsize=10)
ax.grid(alpha=0.3)
ax.legend(fontsize=8, loc="upper right")
fig.tight_layout()
fig.savefig(args.out)
print(f"wrote {args.out}")

"""Clinical data of the built-in exercises, by slug: the movements a precaution may rule
out (programs.precautions.Movement) and the easier and harder versions with the rule for
stepping up (programs.progressions). Read by programs.library_sync."""

from __future__ import annotations

# Only movements the exercise clearly involves at its prescribed range; an exercise
# without an entry involves none of them.
CONTRAINDICATIONS: dict[str, list[str]] = {
    "cat-cow": ["spinal_flexion", "kneeling"],
    "knee-to-chest-single": ["deep_hip_flexion", "supine_lying"],
    "knee-to-chest-double": ["deep_hip_flexion", "spinal_flexion", "supine_lying"],
    "pelvic-tilt": ["supine_lying"],
    "prayer-stretch": ["deep_hip_flexion", "spinal_flexion", "kneeling"],
    "lower-trunk-rotation": [
        "spinal_twist",
        "hip_adduction",
        "hip_internal_rotation",
        "supine_lying",
    ],
    "bird-dog": ["kneeling"],
    "glute-bridge": ["supine_lying"],
    "dead-bug": ["supine_lying"],
    "side-plank": ["breath_holding"],
    "plank": ["breath_holding"],
    "curl-up": ["spinal_flexion", "supine_lying"],
    "prone-press-up": ["prone_lying"],
    "hamstring-stretch-supine": ["deep_hip_flexion", "supine_lying"],
    "hip-flexor-stretch-kneeling": ["kneeling", "hip_extension"],
    "piriformis-stretch": [
        "deep_hip_flexion",
        "hip_adduction",
        "hip_external_rotation",
        "supine_lying",
    ],
    "wall-squat": ["breath_holding"],
    "straight-leg-raise": ["supine_lying"],
    "heel-slide": ["supine_lying"],
    "seated-thoracic-rotation": ["spinal_twist"],
    "prone-hip-extension": ["prone_lying", "hip_extension"],
    "thread-the-needle": ["spinal_twist", "kneeling"],
    "seated-hamstring-stretch": ["deep_hip_flexion"],
    "prone-lying": ["prone_lying"],
    "prone-on-elbows": ["prone_lying"],
    "rest-calves-on-chair": ["supine_lying"],
    "seated-forward-bend": ["spinal_flexion", "deep_hip_flexion"],
    "hip-hinge-weight": ["breath_holding"],
    "farmer-carry": ["breath_holding"],
    "suitcase-carry": ["breath_holding"],
    "standing-hip-extension": ["hip_extension"],
    "single-leg-bridge": ["supine_lying"],
    "seated-march": ["deep_hip_flexion"],
    "short-arc-quad": ["supine_lying"],
    "split-squat": ["hip_extension"],
    "quad-stretch-standing": ["hip_extension"],
    "supine-arm-raise": ["supine_lying"],
    "tense-and-relax": ["supine_lying"],
    "bird-dog-arm-reach": ["kneeling"],
    "femoral-nerve-slider": ["hip_extension"],
    # At the top of the pedal stroke the hip bends past a right angle unless the seat is high.
    "stationary-cycling": ["deep_hip_flexion"],
}

# slug: (easier, harder, when to step up). Each link is stated once, on the easier
# exercise's "harder" side or the harder one's "easier" side, and the sync fills in its
# mirror.
PROGRESSIONS: dict[str, dict[str, str]] = {
    "pelvic-tilt": {"harder": "glute-bridge", "progress_when": "steady_week"},
    "heel-slide": {"harder": "dead-bug", "progress_when": "steady_week"},
    "quad-set": {"harder": "straight-leg-raise", "progress_when": "steady_week"},
    "sit-to-stand": {"harder": "mini-squat", "progress_when": "steady_week"},
    "clamshell": {"harder": "side-lying-hip-abduction", "progress_when": "steady_week"},
    "knee-to-chest-single": {"harder": "knee-to-chest-double", "progress_when": "steady_week"},
    "mini-squat": {"harder": "step-up", "progress_when": "steady_week"},
    "chin-tuck": {"harder": "wall-angel", "progress_when": "steady_fortnight"},
    "prone-lying": {"harder": "prone-on-elbows", "progress_when": "steady_week"},
    "prone-on-elbows": {"harder": "prone-press-up", "progress_when": "steady_week"},
    "glute-bridge": {"harder": "single-leg-bridge", "progress_when": "steady_fortnight"},
    "hip-hinge": {"harder": "hip-hinge-weight", "progress_when": "steady_fortnight"},
    "farmer-carry": {"harder": "suitcase-carry", "progress_when": "steady_fortnight"},
    "seated-march": {"harder": "marching-on-the-spot", "progress_when": "steady_week"},
    "marching-on-the-spot": {"harder": "walking", "progress_when": "steady_week"},
    "walking": {"harder": "walking-program", "progress_when": "steady_fortnight"},
    "step-up": {"harder": "split-squat", "progress_when": "steady_fortnight"},
    "short-arc-quad": {"harder": "seated-knee-extension", "progress_when": "steady_week"},
    "tandem-stance": {"harder": "single-leg-balance", "progress_when": "steady_week"},
    "single-leg-balance": {
        "harder": "single-leg-balance-free",
        "progress_when": "steady_fortnight",
    },
    "bird-dog-arm-reach": {"harder": "bird-dog", "progress_when": "steady_week"},
    "pendulum": {"harder": "supine-arm-raise", "progress_when": "steady_week"},
    "supine-arm-raise": {"harder": "wall-slide", "progress_when": "steady_week"},
    "ankle-pumps": {"harder": "heel-raise", "progress_when": "steady_week"},
}

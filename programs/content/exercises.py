from __future__ import annotations

# Seed content for the exercise library and the starter program templates.
# Pure data with no Django imports, so the seed command, migrations and tests
# can all read it. Every text is written for patients (reading age about 12,
# second person, everyday words); only "name" may use clinical terms. Dosage
# follows the defaults in DESIGN.md ("Clinical content"); clinicians adjust it
# per patient when they prescribe.

# Shared stop rules, so the pain model reads the same on every handout.
_BACK_STOP = (
    "Stop if you get sharp pain, pain that spreads below your knee, or new numbness or tingling."
)
_LEG_NERVE_STOP = (
    "Stop if you feel tingling, burning or pain running down your leg or below your knee."
)
_NECK_STOP = (
    "Stop if you feel dizzy, your vision changes, or pain or tingling spreads into your arm."
)
_KNEE_STOP = "Stop if you get sharp knee pain, your knee gives way, or the pain keeps rising."

EXERCISES: list[dict] = [
    # --- Low back: movement-based stretches -------------------------------------
    {
        "slug": "cat-cow",
        "name": "Cat-cow",
        "lay_name": "Round and arch your back on hands and knees",
        "category": "mobility",
        "regions": ["low_back", "mid_back"],
        "position": "quadruped",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Get on your hands and knees. Put your hands under your shoulders and knees "
                    "under your hips."
                ),
            ),
            (
                "movement",
                (
                    "Slowly round your back up and let your head drop. Then let your tummy sink "
                    "and lift your head a little."
                ),
            ),
            ("form", "Move in a smooth, easy rhythm. Only go as far as feels comfortable."),
            ("breathing", "Breathe out as you round up. Breathe in as you let your back sink."),
            ("feel", "You should feel your back loosen up as you move."),
        ],
        "cautions": (
            "Keep the movement small if your back is sore. A mild ache is fine, but don't push "
            "into pain."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "knee-to-chest-single",
        "name": "Single knee-to-chest",
        "lay_name": "Hug one knee to your chest",
        "category": "mobility",
        "regions": ["low_back", "hip"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            ("setup", "Lie on your back with both knees bent and your feet flat."),
            (
                "movement",
                (
                    "Hold behind one thigh and gently bring that knee toward your chest. Hold for "
                    "5 seconds, then lower it slowly."
                ),
            ),
            ("form", "Let your arms do the work and keep your back relaxed. Ease in, don't yank."),
            ("breathing", "Breathe out slowly as you bring the knee in."),
            ("feel", "You should feel a gentle stretch in your low back and buttock."),
        ],
        "cautions": (
            "Hold behind your thigh, not on top of your knee. Mild discomfort is fine, so keep the "
            "pull gentle."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "knee-to-chest-double",
        "name": "Double knee-to-chest",
        "lay_name": "Hug both knees to your chest",
        "category": "mobility",
        "regions": ["low_back", "hip"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            ("setup", "Lie on your back with your knees bent and your feet flat."),
            (
                "movement",
                (
                    "Bring one knee up, then the other. Hold behind both thighs and gently draw "
                    "them in for 5 seconds."
                ),
            ),
            ("form", "Lower one leg at a time back to the floor. Rock gently if it feels good."),
            ("breathing", "Take slow breaths and let your back relax into the floor."),
            ("feel", "You should feel a gentle stretch across your low back."),
        ],
        "cautions": (
            "Lift and lower your legs one at a time to spare your back. Keep the hug gentle."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "pelvic-tilt",
        "name": "Posterior pelvic tilt",
        "lay_name": "Flatten your back into the floor",
        "category": "mobility",
        "regions": ["low_back", "core"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Lie on your back with your knees bent and feet flat. Rest your arms by your "
                    "sides."
                ),
            ),
            (
                "movement",
                (
                    "Gently tighten your tummy and press the small of your back into the floor. "
                    "Hold for 5 seconds, then relax."
                ),
            ),
            ("form", "Your hips will tip back a little. Keep your buttocks and shoulders relaxed."),
            ("breathing", "Breathe out as you flatten your back. Don't hold your breath."),
            ("feel", "You should feel your tummy muscles working and your low back easing."),
        ],
        "cautions": (
            "This is a small, gentle movement, so there is no need to push hard. Mild discomfort "
            "is fine."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "prayer-stretch",
        "name": "Prayer stretch (child's pose)",
        "lay_name": "Sit back on your heels with your arms reaching forward",
        "category": "mobility",
        "regions": ["low_back", "mid_back", "shoulder"],
        "position": "kneeling",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            ("setup", "Kneel on your hands and knees. Keep your knees about hip-width apart."),
            (
                "movement",
                (
                    "Slowly sit your bottom back toward your heels and slide your hands forward. "
                    "Hold for 5 seconds, then come back up."
                ),
            ),
            ("form", "Let your head and chest sink down. Only sit back as far as is comfortable."),
            ("breathing", "Breathe slowly and let your back relax each time you breathe out."),
            ("feel", "You should feel a gentle stretch along your back and sides."),
        ],
        "cautions": (
            "Put a pillow between your heels and bottom if your knees feel tight. Go only as far "
            "as is comfortable."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "lower-trunk-rotation",
        "name": "Lower trunk rotation",
        "lay_name": "Rock your knees from side to side",
        "category": "mobility",
        "regions": ["low_back", "hip"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Lie on your back with your knees bent and feet flat. Rest your arms out to "
                    "the sides."
                ),
            ),
            (
                "movement",
                (
                    "Keep your knees together and let them slowly fall to one side. Hold for 3 "
                    "seconds, then roll them to the other side."
                ),
            ),
            ("form", "Keep both shoulders on the floor. Only go as far as feels easy."),
            ("breathing", "Breathe out as your knees go down. Breathe in as you bring them back."),
            (
                "feel",
                "You should feel a gentle stretch in your low back and the sides of your hips.",
            ),
        ],
        "cautions": (
            "Start with small swings and let them grow as your back loosens. Mild stiffness is "
            "fine."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "alternating",
        },
    },
    # --- Low back: strength and control -----------------------------------------
    {
        "slug": "bird-dog",
        "name": "Bird dog",
        "lay_name": "Reach out one arm and the other leg on hands and knees",
        "category": "motor_control",
        "regions": ["low_back", "core", "hip"],
        "position": "quadruped",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                "Get on your hands and knees. Gently tighten your tummy to keep your back still.",
            ),
            (
                "movement",
                (
                    "Slowly reach one arm forward and the other leg back. Hold for 5 seconds, then "
                    "switch sides."
                ),
            ),
            (
                "form",
                "Keep your back flat like a table top. Don't let your hips tip or your back sag.",
            ),
            ("breathing", "Breathe normally while you hold. Don't hold your breath."),
            ("feel", "You should feel your tummy, back and buttock muscles working."),
        ],
        "cautions": (
            "If the full move is too hard, start by lifting only a leg or only an arm. Keep it "
            "slow and steady."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 30,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 5,
            "side": "alternating",
        },
    },
    {
        "slug": "glute-bridge",
        "name": "Glute bridge",
        "lay_name": "Lift your hips off the floor",
        "category": "strength",
        "regions": ["hip", "low_back", "core"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            ("setup", "Lie on your back with your knees bent and feet flat, hip-width apart."),
            (
                "movement",
                (
                    "Squeeze your buttocks and lift your hips until your knees, hips and shoulders "
                    "line up. Hold for 3 seconds, then lower slowly."
                ),
            ),
            ("form", "Push through your heels. Don't arch your back at the top."),
            ("breathing", "Breathe out as you lift and breathe in as you lower."),
            ("feel", "You should feel your buttocks working, not your low back."),
        ],
        "cautions": (
            "Lift only as high as you can without arching your back. If the back of your thigh "
            "cramps, move your feet closer."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "both",
        },
    },
    {
        "slug": "dead-bug",
        "name": "Dead bug",
        "lay_name": "On your back, slowly lower one arm and the other leg",
        "category": "motor_control",
        "regions": ["core", "low_back"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                "Lie on your back. Lift your bent knees over your hips and reach your arms up.",
            ),
            (
                "movement",
                (
                    "Slowly lower one arm behind your head and the other leg toward the floor. "
                    "Hold for 5 seconds, then come back and switch."
                ),
            ),
            (
                "form",
                (
                    "Keep your low back gently touching the floor. Only lower as far as you can "
                    "without it lifting."
                ),
            ),
            ("breathing", "Breathe out as you lower your arm and leg."),
            ("feel", "You should feel your tummy muscles working to keep you steady."),
        ],
        "cautions": (
            "If this is hard, start by moving only your legs. Keep it slow and don't let your back "
            "arch."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 30,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 5,
            "side": "alternating",
        },
    },
    {
        "slug": "side-plank",
        "name": "Side plank (knees bent)",
        "lay_name": "Lift your hips while lying on your side",
        "category": "motor_control",
        "regions": ["core", "low_back", "hip"],
        "position": "side_lying",
        "equipment": ["mat"],
        "style": "isometric",
        "cues": [
            ("setup", "Lie on your side with your knees bent and your elbow under your shoulder."),
            (
                "movement",
                (
                    "Lift your hips so your knees, hips and head are in a line. Hold for 10 "
                    "seconds, then lower gently."
                ),
            ),
            (
                "form",
                (
                    "Keep your hips forward, not sagging or sticking out behind. Rest your top "
                    "hand on your hip."
                ),
            ),
            ("breathing", "Keep breathing slowly while you hold."),
            ("feel", "You should feel the muscles along the side of your waist working."),
        ],
        "cautions": (
            "Your shoulder takes some of your weight, so check with your clinician if it hurts. "
            "Rest between holds."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 8,
            "hold_seconds": 10,
            "rest_seconds": 30,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 5,
            "side": "each_side",
        },
    },
    {
        "slug": "plank",
        "name": "Forearm plank (from knees or toes)",
        "lay_name": "Hold your body straight on your forearms",
        "category": "strength",
        "regions": ["core", "low_back", "shoulder"],
        "position": "prone",
        "equipment": ["mat"],
        "style": "isometric",
        "cues": [
            (
                "setup",
                (
                    "Lie on your front with your elbows under your shoulders. Start from your "
                    "knees, or your toes if that is easy."
                ),
            ),
            (
                "movement",
                (
                    "Lift your body so it makes a straight line from your head to your knees or "
                    "feet. Hold it steady."
                ),
            ),
            (
                "form",
                "Don't let your hips sag or poke up. Keep your neck long and look at the floor.",
            ),
            ("breathing", "Breathe slowly and evenly the whole time."),
            ("feel", "You should feel your tummy and shoulders working hard."),
        ],
        "cautions": (
            "Start with short holds from your knees and build up. End the hold as soon as your "
            "body starts to sag."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 3,
            "reps": None,
            "hold_seconds": 0,
            "rest_seconds": 30,
            "duration_seconds": 20,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "both",
        },
    },
    {
        "slug": "clamshell",
        "name": "Clamshell",
        "lay_name": "Open your knees like a clam while lying on your side",
        "category": "strength",
        "regions": ["hip"],
        "position": "side_lying",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Lie on your side with your hips and knees bent. Keep your feet together and "
                    "rest your head on your arm."
                ),
            ),
            (
                "movement",
                (
                    "Keep your feet touching and slowly lift your top knee. Pause, then lower it "
                    "slowly."
                ),
            ),
            (
                "form",
                (
                    "Don't let your top hip roll back. Only lift as far as you can keep your hips "
                    "still."
                ),
            ),
            ("breathing", "Breathe out as you lift and breathe in as you lower."),
            ("feel", "You should feel the side of your buttock working."),
        ],
        "cautions": (
            "Small, slow lifts work better than big, fast ones. Add a band around your knees only "
            "when your clinician says so."
        ),
        "stop_if": (
            "Stop if you get sharp pain in your hip or back, or pain, numbness or tingling runs "
            "down your leg."
        ),
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 2,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "each_side",
        },
    },
    {
        "slug": "curl-up",
        "name": "McGill curl-up",
        "lay_name": "Lift your head and shoulders a little with your back supported",
        "category": "motor_control",
        "regions": ["core", "low_back"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "isometric",
        "cues": [
            (
                "setup",
                (
                    "Lie on your back with one knee bent and the other leg straight. Slide your "
                    "hands under the small of your back."
                ),
            ),
            (
                "movement",
                (
                    "Gently tighten your tummy and lift your head and shoulders just off the "
                    "floor. Hold for 8 seconds, then lower."
                ),
            ),
            ("form", "Lift your head and shoulders as one piece. Don't bend your neck forward."),
            ("breathing", "Keep breathing during the hold."),
            ("feel", "You should feel your tummy muscles working, not your neck."),
        ],
        "cautions": (
            "Keep the lift very small and don't tuck your chin to your chest. Swap which knee is "
            "bent halfway through."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 8,
            "hold_seconds": 8,
            "rest_seconds": 30,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 5,
            "side": "both",
        },
    },
    {
        "slug": "prone-press-up",
        "name": "Prone press-up",
        "lay_name": "Push your upper body up while lying on your front",
        "category": "mobility",
        "regions": ["low_back"],
        "position": "prone",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            ("setup", "Lie on your front with your hands flat on the floor by your shoulders."),
            (
                "movement",
                (
                    "Slowly straighten your arms to lift your chest while your hips stay down. "
                    "Hold for 3 seconds, then lower."
                ),
            ),
            ("form", "Let your back and buttocks go soft. Only press up as far as is comfortable."),
            ("breathing", "Breathe out as you press up and let your back sag."),
            ("feel", "You should feel a gentle bend in your low back."),
        ],
        "cautions": (
            "Rest on your elbows first if a full press-up is too much. A low back ache is fine if "
            "it eases soon after."
        ),
        "stop_if": (
            "Stop if pain spreads into your buttock or leg, goes below your knee, or you get "
            "numbness or tingling."
        ),
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    # --- Hip and leg stretches --------------------------------------------------
    {
        "slug": "hamstring-stretch-supine",
        "name": "Supine hamstring stretch with strap",
        "lay_name": "Back-of-thigh stretch lying down with a towel",
        "category": "stretch",
        "regions": ["hip", "knee"],
        "position": "supine",
        "equipment": ["mat", "band"],
        "style": "static_hold",
        "cues": [
            (
                "setup",
                "Lie on your back with both knees bent. Loop a towel or band around one foot.",
            ),
            (
                "movement",
                (
                    "Straighten that leg up toward the ceiling until you feel a gentle stretch. "
                    "Hold it there."
                ),
            ),
            (
                "form",
                (
                    "Keep your other foot on the floor and your back relaxed. Don't bounce or pull "
                    "hard."
                ),
            ),
            ("breathing", "Breathe slowly and let the leg ease up a little as you breathe out."),
            ("feel", "You should feel a stretch along the back of your thigh."),
        ],
        "cautions": (
            "A slight bend in the knee is fine. The stretch should feel mild, never painful."
        ),
        "stop_if": _LEG_NERVE_STOP,
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 30,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "hip-flexor-stretch-kneeling",
        "name": "Half-kneeling hip flexor stretch",
        "lay_name": "Front-of-hip stretch on one knee",
        "category": "stretch",
        "regions": ["hip", "low_back"],
        "position": "kneeling",
        "equipment": ["mat"],
        "style": "static_hold",
        "cues": [
            (
                "setup",
                (
                    "Kneel on one knee with the other foot flat in front of you. Put a cushion "
                    "under the knee."
                ),
            ),
            (
                "movement",
                (
                    "Tuck your tailbone under a little, then shift your weight forward until you "
                    "feel a stretch. Hold it there."
                ),
            ),
            (
                "form",
                "Stay tall and don't let your back arch. Hold a chair for balance if you need to.",
            ),
            ("breathing", "Breathe slowly and relax into the stretch."),
            ("feel", "You should feel a stretch at the front of the hip on the kneeling side."),
        ],
        "cautions": (
            "Use a thick cushion if kneeling hurts your knee. Keep the stretch gentle and don't "
            "lean back."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 30,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "piriformis-stretch",
        "name": "Supine piriformis stretch (figure four)",
        "lay_name": "Figure-four buttock stretch lying down",
        "category": "stretch",
        "regions": ["hip", "low_back"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "static_hold",
        "cues": [
            (
                "setup",
                "Lie on your back with your knees bent. Cross one ankle over the other knee.",
            ),
            (
                "movement",
                (
                    "Hold behind the thigh of the bottom leg and gently draw it toward you. Hold "
                    "it there."
                ),
            ),
            (
                "form",
                "Keep your head and shoulders on the floor. Ease in slowly and never pull hard.",
            ),
            (
                "breathing",
                "Breathe slowly and let your hip relax a little more each time you breathe out.",
            ),
            ("feel", "You should feel a stretch deep in the buttock of the crossed leg."),
        ],
        "cautions": (
            "If you can't reach, keep your foot on the floor and just let the crossed knee fall "
            "out. Keep it gentle."
        ),
        "stop_if": (
            "Stop if you feel sharp pain, numbness or tingling, or pain that spreads down your leg."
        ),
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 30,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    # --- Lower limb strength ------------------------------------------------------
    {
        "slug": "wall-squat",
        "name": "Wall slide squat",
        "lay_name": "Slide down the wall into a part squat",
        "category": "strength",
        "regions": ["knee", "hip"],
        "position": "standing",
        "equipment": ["none"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Stand with your back against a wall. Walk your feet out in front of you, "
                    "hip-width apart."
                ),
            ),
            (
                "movement",
                (
                    "Slowly slide down the wall until your knees are a little bent. Hold for 5 "
                    "seconds, then slide back up."
                ),
            ),
            (
                "form",
                "Keep your knees in line with your toes. Don't go lower than feels comfortable.",
            ),
            ("breathing", "Breathe out as you push back up."),
            ("feel", "You should feel the muscles at the front of your thighs working."),
        ],
        "cautions": (
            "Start with a shallow bend and go deeper over the weeks. Tired thighs are normal, but "
            "knee pain should stay mild."
        ),
        "stop_if": _KNEE_STOP,
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "both",
        },
    },
    {
        "slug": "heel-raise",
        "name": "Standing heel raise",
        "lay_name": "Rise up onto your toes",
        "category": "strength",
        "regions": ["ankle_foot"],
        "position": "standing",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Stand tall behind a chair and rest your hands on it. Keep your feet hip-width "
                    "apart."
                ),
            ),
            (
                "movement",
                (
                    "Slowly rise up onto your toes as high as you can. Hold for 2 seconds, then "
                    "lower slowly."
                ),
            ),
            ("form", "Keep your weight over your big toes. Lower all the way down each time."),
            ("breathing", "Breathe out as you rise and breathe in as you lower."),
            ("feel", "You should feel your calf muscles working."),
        ],
        "cautions": "Use the chair for balance, not to pull yourself up. Keep the lowering slow.",
        "stop_if": "Stop if you feel sharp pain in your calf, heel or ankle.",
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 2,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "both",
        },
    },
    # --- Neck and shoulder ------------------------------------------------------
    {
        "slug": "chin-tuck",
        "name": "Chin tuck (cervical retraction)",
        "lay_name": "Pull your chin straight back",
        "category": "motor_control",
        "regions": ["neck"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            ("setup", "Sit tall in a chair with your feet flat. Look straight ahead."),
            (
                "movement",
                (
                    "Gently slide your chin straight back, as if making a double chin. Hold for 5 "
                    "seconds, then relax."
                ),
            ),
            ("form", "Keep your eyes level and don't tip your head down. The move is small."),
            ("breathing", "Breathe normally while you hold."),
            (
                "feel",
                (
                    "You should feel the back of your neck working and a mild stretch at the base "
                    "of your skull."
                ),
            ),
        ],
        "cautions": (
            "Keep the movement small and gentle. A mild stretch is fine, but it should not hurt."
        ),
        "stop_if": _NECK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "scapular-squeeze",
        "name": "Scapular retraction (shoulder blade squeeze)",
        "lay_name": "Squeeze your shoulder blades together",
        "category": "motor_control",
        "regions": ["mid_back", "shoulder"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            ("setup", "Sit tall in a chair with your arms relaxed by your sides."),
            (
                "movement",
                (
                    "Gently draw your shoulder blades back and together. Hold for 5 seconds, then "
                    "relax."
                ),
            ),
            (
                "form",
                (
                    "Keep your shoulders down, away from your ears. Don't push your chest or chin "
                    "forward."
                ),
            ),
            ("breathing", "Breathe normally while you hold."),
            ("feel", "You should feel the muscles between your shoulder blades working."),
        ],
        "cautions": "Squeeze at about half your full effort. This should not cause pain.",
        "stop_if": "Stop if you get sharp pain, or numbness or tingling in your arm or hand.",
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "doorway-chest-stretch",
        "name": "Doorway pectoral stretch",
        "lay_name": "Chest stretch in a doorway",
        "category": "stretch",
        "regions": ["shoulder", "mid_back"],
        "position": "standing",
        "equipment": ["none"],
        "style": "static_hold",
        "cues": [
            (
                "setup",
                (
                    "Stand in a doorway. Rest your forearms on the door frame with your elbows at "
                    "shoulder height."
                ),
            ),
            (
                "movement",
                (
                    "Step one foot forward and gently lean through the door until you feel a "
                    "stretch. Hold it there."
                ),
            ),
            ("form", "Keep your shoulders down and your tummy gently tight. Don't bounce."),
            ("breathing", "Breathe slowly and let your shoulders relax each time you breathe out."),
            ("feel", "You should feel a stretch across the front of your chest and shoulders."),
        ],
        "cautions": (
            "Lower your elbows if you feel pinching in your shoulder. The stretch should feel mild."
        ),
        "stop_if": (
            "Stop if you get numbness or tingling in your arms or hands, or sharp shoulder pain."
        ),
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 30,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "upper-trap-stretch",
        "name": "Upper trapezius stretch",
        "lay_name": "Tip your ear toward your shoulder",
        "category": "stretch",
        "regions": ["neck", "shoulder"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "static_hold",
        "cues": [
            ("setup", "Sit tall in a chair. Hold the edge of the seat with one hand."),
            (
                "movement",
                (
                    "Tip your head away from that hand, ear toward shoulder, until you feel a "
                    "stretch. Hold it there."
                ),
            ),
            (
                "form",
                (
                    "Keep looking forward. If your other hand rests on your head, let it lie there "
                    "without pulling."
                ),
            ),
            (
                "breathing",
                "Breathe slowly and let your shoulder drop a little more as you breathe out.",
            ),
            ("feel", "You should feel a stretch along the side of your neck toward your shoulder."),
        ],
        "cautions": "Keep the stretch mild and don't pull on your head. Come out of it slowly.",
        "stop_if": _NECK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 20,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "levator-scapulae-stretch",
        "name": "Levator scapulae stretch",
        "lay_name": "Look down toward your armpit to stretch your neck",
        "category": "stretch",
        "regions": ["neck", "shoulder"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "static_hold",
        "cues": [
            ("setup", "Sit tall in a chair. Hold the edge of the seat with one hand."),
            (
                "movement",
                (
                    "Turn your nose toward the other armpit and gently tip your head down. Hold it "
                    "there."
                ),
            ),
            (
                "form",
                (
                    "Keep the shoulder of your holding arm low. Move slowly into and out of the "
                    "stretch."
                ),
            ),
            ("breathing", "Breathe slowly and let your shoulder relax as you breathe out."),
            (
                "feel",
                (
                    "You should feel a stretch at the back and side of your neck, near your "
                    "shoulder blade."
                ),
            ),
        ],
        "cautions": "Don't pull on your head. A gentle stretch is all you need.",
        "stop_if": _NECK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 20,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "neck-rotation",
        "name": "Active cervical rotation",
        "lay_name": "Turn your head from side to side",
        "category": "mobility",
        "regions": ["neck"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            ("setup", "Sit tall in a chair with your shoulders relaxed."),
            (
                "movement",
                (
                    "Slowly turn your head to look over one shoulder. Hold for 3 seconds, then "
                    "turn to the other side."
                ),
            ),
            (
                "form",
                (
                    "Keep your chin level and your shoulders still. Only turn as far as is "
                    "comfortable."
                ),
            ),
            ("breathing", "Breathe out as you turn and breathe in as you come back to the middle."),
            ("feel", "You should feel your neck loosen with each turn."),
        ],
        "cautions": "Move slowly and smoothly. Some stiffness is fine, but don't force the turn.",
        "stop_if": (
            "Stop if you feel dizzy or sick, your vision changes, or tingling spreads into your "
            "arm."
        ),
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "alternating",
        },
    },
    {
        "slug": "shoulder-rolls",
        "name": "Shoulder rolls",
        "lay_name": "Roll your shoulders in slow circles",
        "category": "mobility",
        "regions": ["shoulder", "neck", "mid_back"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            ("setup", "Sit tall in a chair with your arms hanging loose."),
            (
                "movement",
                (
                    "Lift your shoulders up, roll them back, then let them drop down. Make slow, "
                    "smooth circles."
                ),
            ),
            ("form", "Keep your neck relaxed and your head still."),
            ("breathing", "Breathe in as your shoulders rise and out as they drop."),
            ("feel", "You should feel your neck and shoulders start to loosen."),
        ],
        "cautions": "Keep the circles slow and easy. Make them smaller if any part feels sore.",
        "stop_if": "Stop if you get sharp pain in your shoulder or neck, or tingling in your arm.",
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "wall-angel",
        "name": "Wall angel",
        "lay_name": "Slide your arms up and down a wall",
        "category": "mobility",
        "regions": ["shoulder", "mid_back"],
        "position": "standing",
        "equipment": ["none"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Stand with your back and head against a wall, feet a little in front. Rest "
                    "your arms on the wall in a goal-post shape."
                ),
            ),
            (
                "movement",
                (
                    "Slowly slide your arms up the wall as far as is comfortable. Hold for 3 "
                    "seconds, then slide them down."
                ),
            ),
            (
                "form",
                "Keep your low back close to the wall. It is fine if your hands come off the wall.",
            ),
            ("breathing", "Breathe in as you slide up and out as you slide down."),
            ("feel", "You should feel a stretch across your chest and your upper back working."),
        ],
        "cautions": (
            "Only go as high as you can without pain or pinching in your shoulder. Keep your ribs "
            "down."
        ),
        "stop_if": (
            "Stop if you get sharp shoulder pain, or numbness or tingling in your arms or hands."
        ),
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "pendulum",
        "name": "Codman's pendulum",
        "lay_name": "Let your arm swing gently while you lean on a table",
        "category": "mobility",
        "regions": ["shoulder"],
        "position": "standing",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Lean forward with your good hand on a table or chair. Let your sore arm hang "
                    "straight down."
                ),
            ),
            (
                "movement",
                (
                    "Gently sway your body so your arm swings in small circles. Do 10 one way, "
                    "then 10 the other way."
                ),
            ),
            (
                "form",
                (
                    "Let your arm stay loose and heavy. The swing comes from your body, not your "
                    "shoulder."
                ),
            ),
            ("breathing", "Breathe slowly and let your shoulder relax."),
            ("feel", "You should feel your shoulder loosen and ease."),
        ],
        "cautions": "Keep the circles small at first. This should feel easy and relaxing.",
        "stop_if": "Stop if you get sharp pain in your shoulder or new tingling in your hand.",
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "band-external-rotation",
        "name": "Resisted shoulder external rotation",
        "lay_name": "Turn your forearm outward against a band",
        "category": "strength",
        "regions": ["shoulder"],
        "position": "standing",
        "equipment": ["band"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Tie a band to a door handle at elbow height. Stand side-on with your elbow "
                    "bent and tucked into your side."
                ),
            ),
            (
                "movement",
                (
                    "Hold the band in the hand farther from the door. Slowly turn your forearm "
                    "out, then let it come back slowly."
                ),
            ),
            (
                "form",
                (
                    "Keep your elbow against your side the whole time. A rolled towel under your "
                    "arm can help."
                ),
            ),
            ("breathing", "Breathe out as you pull the band out."),
            ("feel", "You should feel the back of your shoulder working."),
        ],
        "cautions": "Start with a light band. Control the band on the way back in.",
        "stop_if": (
            "Stop if you feel sharp or catching pain in your shoulder, or tingling in your arm."
        ),
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "each_side",
        },
    },
    {
        "slug": "band-row",
        "name": "Resisted row with band",
        "lay_name": "Pull a band toward you and squeeze your shoulder blades",
        "category": "strength",
        "regions": ["mid_back", "shoulder"],
        "position": "standing",
        "equipment": ["band"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Tie a band to something steady at chest height in front of you. Hold one end "
                    "in each hand with arms straight."
                ),
            ),
            (
                "movement",
                (
                    "Pull your elbows back past your sides and squeeze your shoulder blades "
                    "together. Then slowly let your arms go forward."
                ),
            ),
            (
                "form",
                (
                    "Keep your shoulders down and your wrists straight. Stand tall without leaning "
                    "back."
                ),
            ),
            ("breathing", "Breathe out as you pull and breathe in as you return."),
            ("feel", "You should feel the muscles around your shoulder blades working."),
        ],
        "cautions": (
            "Check the band is tied firmly before you start. Pick a band you can pull 10 times "
            "with good form."
        ),
        "stop_if": "Stop if you get sharp pain in your shoulder or back, or tingling in your arm.",
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "both",
        },
    },
    # --- Hip and knee basics ----------------------------------------------------
    {
        "slug": "sit-to-stand",
        "name": "Sit-to-stand",
        "lay_name": "Stand up from a chair and sit back down",
        "category": "strength",
        "regions": ["knee", "hip"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                "Sit near the front of a firm chair with your feet flat and hip-width apart.",
            ),
            (
                "movement",
                (
                    "Lean forward a little and stand up, pushing through your feet. Then sit back "
                    "down slowly."
                ),
            ),
            ("form", "Try not to use your hands. Keep your knees in line with your toes."),
            ("breathing", "Breathe out as you stand up."),
            ("feel", "You should feel your thighs and buttocks working."),
        ],
        "cautions": (
            "Use your hands on the chair at first if you need to. Make sure the chair can't slide."
        ),
        "stop_if": "Stop if you get sharp pain in your knee, hip or back, or if you feel dizzy.",
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "both",
        },
    },
    {
        "slug": "straight-leg-raise",
        "name": "Supine straight leg raise",
        "lay_name": "Lift one straight leg while lying down",
        "category": "strength",
        "regions": ["hip", "knee"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Lie on your back. Bend one knee with the foot flat and keep the other leg "
                    "straight."
                ),
            ),
            (
                "movement",
                (
                    "Tighten the thigh of the straight leg and lift it to the height of your other "
                    "knee. Hold for 2 seconds, then lower slowly."
                ),
            ),
            ("form", "Keep the lifting knee straight. Don't let your back arch."),
            ("breathing", "Breathe out as you lift."),
            ("feel", "You should feel the front of your thigh working."),
        ],
        "cautions": (
            "Lower the leg slowly rather than letting it drop. If your back aches, tighten your "
            "tummy a little first."
        ),
        "stop_if": (
            "Stop if you get sharp pain in your knee, hip or back, or pain spreading down your leg."
        ),
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 2,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "each_side",
        },
    },
    {
        "slug": "quad-set",
        "name": "Quadriceps set",
        "lay_name": "Press the back of your knee down into a towel",
        "category": "motor_control",
        "regions": ["knee"],
        "position": "supine",
        "equipment": ["none"],
        "style": "isometric",
        "cues": [
            (
                "setup",
                (
                    "Lie on your back on a bed or the floor with your legs straight. Put a small "
                    "rolled towel under one knee."
                ),
            ),
            (
                "movement",
                (
                    "Tighten the front of your thigh to press your knee down into the towel. Hold "
                    "for 5 seconds, then relax."
                ),
            ),
            ("form", "Your kneecap should pull up a little. Keep your buttocks relaxed."),
            ("feel", "You should feel the front of your thigh go firm."),
        ],
        "cautions": (
            "Squeeze gently at first and build up the effort over a few days. Some knee ache is "
            "fine if it settles."
        ),
        "stop_if": "Stop if you get sharp pain in your knee or your knee becomes more swollen.",
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 3,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "heel-slide",
        "name": "Heel slide",
        "lay_name": "Slide your heel up and down to bend your knee",
        "category": "mobility",
        "regions": ["knee", "hip"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            ("setup", "Lie on your back with both legs straight."),
            (
                "movement",
                (
                    "Slowly slide one heel toward your bottom, bending the knee as far as is "
                    "comfortable. Hold for 3 seconds, then slide back."
                ),
            ),
            ("form", "Keep your heel on the floor. A plastic bag under your heel helps it slide."),
            ("breathing", "Breathe slowly and keep the movement smooth."),
            ("feel", "You should feel a gentle stretch in your knee as it bends."),
        ],
        "cautions": (
            "A little stiffness or a mild stretch is fine. Don't force the knee to bend further."
        ),
        "stop_if": "Stop if you feel sharp pain, or your knee becomes more swollen or hot.",
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "side-lying-hip-abduction",
        "name": "Side-lying hip abduction",
        "lay_name": "Lift your top leg while lying on your side",
        "category": "strength",
        "regions": ["hip"],
        "position": "side_lying",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Lie on your side with your bottom knee bent for balance. Keep your top leg "
                    "straight, in line with your body."
                ),
            ),
            (
                "movement",
                "Slowly lift your top leg toward the ceiling, then lower it with control.",
            ),
            (
                "form",
                "Lead with your heel and point your toes forward. Don't let your hip roll back.",
            ),
            ("breathing", "Breathe out as you lift."),
            ("feel", "You should feel the side of your hip working."),
        ],
        "cautions": (
            "A small lift done well is better than a big one. Keep your body in a straight line."
        ),
        "stop_if": (
            "Stop if you get sharp pain in your hip or back, or pain, numbness or tingling runs "
            "down your leg."
        ),
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 2,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "each_side",
        },
    },
    {
        "slug": "single-leg-balance",
        "name": "Single-leg stance",
        "lay_name": "Stand on one leg",
        "category": "balance",
        "regions": ["ankle_foot", "knee", "hip"],
        "position": "standing",
        "equipment": ["chair"],
        "style": "static_hold",
        "cues": [
            ("setup", "Stand next to a chair or kitchen counter so you can hold on if needed."),
            (
                "movement",
                (
                    "Lift one foot off the floor and balance on the other leg. Hold for up to 30 "
                    "seconds, then switch."
                ),
            ),
            (
                "form",
                (
                    "Stand tall and look at a spot in front of you. Touch the chair lightly only "
                    "when you need to."
                ),
            ),
            ("feel", "You should feel your foot, ankle and hip working to keep you steady."),
        ],
        "cautions": (
            "Always keep something steady within reach. Make it harder only once it feels easy, "
            "for example by letting go."
        ),
        "stop_if": "Stop if you feel dizzy or unsteady, or get sharp pain in your leg.",
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 30,
            "rest_seconds": 15,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "calf-stretch-wall",
        "name": "Standing gastrocnemius stretch",
        "lay_name": "Calf stretch against a wall",
        "category": "stretch",
        "regions": ["ankle_foot"],
        "position": "standing",
        "equipment": ["none"],
        "style": "static_hold",
        "cues": [
            ("setup", "Stand facing a wall with your hands on it. Step one foot back."),
            (
                "movement",
                (
                    "Keep your back heel down and back leg straight, then lean toward the wall. "
                    "Hold when you feel a stretch."
                ),
            ),
            ("form", "Point both feet straight ahead. Lean in slowly and don't bounce."),
            ("breathing", "Breathe slowly and relax into the stretch."),
            ("feel", "You should feel a stretch in the calf of your back leg."),
        ],
        "cautions": (
            "Keep the stretch mild. Move your back foot closer to the wall if it feels too strong."
        ),
        "stop_if": "Stop if you feel sharp pain in your calf, heel or the back of your ankle.",
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 30,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    # --- Whole body ---------------------------------------------------------------
    {
        "slug": "diaphragmatic-breathing",
        "name": "Diaphragmatic breathing",
        "lay_name": "Slow belly breathing",
        "category": "breathing",
        "regions": ["core", "whole_body"],
        "position": "supine",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Lie on your back with your knees bent. Put one hand on your chest and one on "
                    "your tummy."
                ),
            ),
            (
                "movement",
                (
                    "Breathe in slowly through your nose so your tummy rises under your hand. Let "
                    "the breath out slowly."
                ),
            ),
            ("form", "Keep the hand on your chest fairly still. Let your shoulders and jaw relax."),
            ("breathing", "Try breathing in for a count of 4 and out for a count of 6."),
            ("feel", "You should feel calmer and more relaxed."),
        ],
        "cautions": (
            "Breathe gently, not hard or fast. If you feel light-headed, go back to normal "
            "breathing."
        ),
        "stop_if": (
            "Stop if you feel dizzy or short of breath, or get tingling in your hands or lips."
        ),
        "dosage": {
            "sets": 1,
            "reps": None,
            "hold_seconds": 0,
            "rest_seconds": 0,
            "duration_seconds": 180,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    {
        "slug": "walking",
        "name": "Walking",
        "lay_name": "Go for a walk",
        "category": "cardio",
        "regions": ["whole_body"],
        "position": "standing",
        "equipment": ["none"],
        "style": "dynamic",
        "cues": [
            ("setup", "Wear comfortable shoes and pick a flat, safe route."),
            (
                "movement",
                "Walk at an easy pace where you can still talk. Let your arms swing freely.",
            ),
            ("form", "Stand tall and take normal-sized steps."),
            ("breathing", "Breathe easily. You can be a little warm, but not out of breath."),
            ("feel", "You should feel warm and a little looser afterward."),
        ],
        "cautions": (
            "Start with a time you can manage and add a few minutes each week. Two short walks are "
            "fine instead of one long one."
        ),
        "stop_if": (
            "Stop if you get chest pain, feel faint, or pain spreads down your leg below your knee."
        ),
        "dosage": {
            "sets": 1,
            "reps": None,
            "hold_seconds": 0,
            "rest_seconds": 0,
            "duration_seconds": 600,
            "times_per_day": 1,
            "days_per_week": 5,
            "side": "both",
        },
    },
    # --- Back: more mobility ----------------------------------------------------
    {
        "slug": "seated-thoracic-rotation",
        "name": "Seated thoracic rotation",
        "lay_name": "Turn your upper body while sitting",
        "category": "mobility",
        "regions": ["mid_back"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Sit tall near the front of a chair with your feet flat. Cross your arms over "
                    "your chest."
                ),
            ),
            (
                "movement",
                (
                    "Slowly turn your upper body to one side as far as is comfortable. Hold for 3 "
                    "seconds, then turn to the other side."
                ),
            ),
            ("form", "Keep your hips and knees facing forward. Sit tall as you turn."),
            ("breathing", "Breathe out as you turn and breathe in as you come back."),
            ("feel", "You should feel your upper and middle back loosen."),
        ],
        "cautions": "Turn smoothly and don't force the end of the turn. Mild stiffness is fine.",
        "stop_if": "Stop if you get sharp pain in your back or chest, or feel dizzy.",
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "alternating",
        },
    },
    {
        "slug": "standing-back-extension",
        "name": "Standing lumbar extension",
        "lay_name": "Lean back gently with your hands on your low back",
        "category": "mobility",
        "regions": ["low_back"],
        "position": "standing",
        "equipment": ["none"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Stand tall with your feet hip-width apart. Put your hands on your low back, "
                    "fingers pointing down."
                ),
            ),
            (
                "movement",
                (
                    "Slowly lean back over your hands as far as is comfortable. Hold for 3 "
                    "seconds, then stand up straight."
                ),
            ),
            (
                "form",
                (
                    "Keep your knees straight and look ahead, not up. Let your hips move forward a "
                    "little as you lean."
                ),
            ),
            ("breathing", "Breathe out as you lean back."),
            ("feel", "You should feel a gentle bend in your low back."),
        ],
        "cautions": (
            "Lean back only a little at first. This makes a good break after sitting for a long "
            "time."
        ),
        "stop_if": (
            "Stop if pain spreads into your buttock or leg, you feel dizzy, or you get numbness or "
            "tingling."
        ),
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 2,
            "days_per_week": 7,
            "side": "both",
        },
    },
    # --- Lower limb: functional strength ----------------------------------------
    {
        "slug": "step-up",
        "name": "Step-up",
        "lay_name": "Step up onto a step",
        "category": "strength",
        "regions": ["knee", "hip"],
        "position": "standing",
        "equipment": ["step"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                "Stand facing a low step or the bottom stair. Hold a rail or the wall for balance.",
            ),
            (
                "movement",
                (
                    "Put one foot on the step and push through it to stand up tall. Step down "
                    "slowly with the other foot."
                ),
            ),
            ("form", "Keep your knee in line with your second toe. Don't let it fall inward."),
            ("breathing", "Breathe out as you step up."),
            ("feel", "You should feel the thigh and buttock of the stepping leg working."),
        ],
        "cautions": (
            "Start with a low step and always hold on to something. Go slowly on the way down."
        ),
        "stop_if": "Stop if you get sharp knee pain, your knee gives way, or you feel unsteady.",
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "each_side",
        },
    },
    {
        "slug": "mini-squat",
        "name": "Mini squat",
        "lay_name": "Small knee bends holding a chair",
        "category": "strength",
        "regions": ["knee", "hip"],
        "position": "standing",
        "equipment": ["chair"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                "Stand behind a chair and hold the back of it. Keep your feet hip-width apart.",
            ),
            (
                "movement",
                (
                    "Bend your knees a little as if starting to sit, then stand back up. Go about "
                    "a quarter of the way down."
                ),
            ),
            (
                "form",
                (
                    "Push your bottom back and keep your knees over your toes. Keep your weight "
                    "through your heels."
                ),
            ),
            ("breathing", "Breathe in as you bend and out as you stand."),
            ("feel", "You should feel the fronts of your thighs working."),
        ],
        "cautions": (
            "Keep the bend small at first. Mild knee ache is fine if it has settled by the next "
            "morning."
        ),
        "stop_if": _KNEE_STOP,
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "both",
        },
    },
    {
        "slug": "hip-hinge",
        "name": "Hip hinge with dowel",
        "lay_name": "Bend forward from your hips with a flat back",
        "category": "motor_control",
        "regions": ["low_back", "hip"],
        "position": "standing",
        "equipment": ["none"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Stand with your feet hip-width apart. Hold a broom handle along your back, or "
                    "put your hands on your hips."
                ),
            ),
            (
                "movement",
                (
                    "Push your hips back and lean forward with a flat back and soft knees. Pause "
                    "for 5 seconds, then stand up tall."
                ),
            ),
            (
                "form",
                (
                    "If you use a stick, keep it touching your head, upper back and tailbone. Go "
                    "only as far as your back stays flat."
                ),
            ),
            ("breathing", "Breathe out as you stand back up."),
            (
                "feel",
                "You should feel a stretch in the back of your thighs and your buttocks working.",
            ),
        ],
        "cautions": (
            "This practises bending from your hips instead of your back. Keep the movement small "
            "until it feels natural."
        ),
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 5,
            "rest_seconds": 30,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 5,
            "side": "both",
        },
    },
    {
        "slug": "prone-hip-extension",
        "name": "Prone hip extension",
        "lay_name": "Lift one leg while lying on your front",
        "category": "strength",
        "regions": ["hip", "low_back"],
        "position": "prone",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                "Lie on your front with a pillow under your tummy. Rest your head on your hands.",
            ),
            (
                "movement",
                (
                    "Squeeze your buttock and lift one straight leg a hand's width off the floor. "
                    "Hold for 2 seconds, then lower slowly."
                ),
            ),
            (
                "form",
                (
                    "Keep your hips on the floor and don't twist. Lift from your buttock, not your "
                    "back."
                ),
            ),
            ("breathing", "Breathe out as you lift."),
            ("feel", "You should feel your buttock working."),
        ],
        "cautions": "Keep the lift small so your low back doesn't arch. Go slowly.",
        "stop_if": _BACK_STOP,
        "dosage": {
            "sets": 2,
            "reps": 10,
            "hold_seconds": 2,
            "rest_seconds": 60,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 3,
            "side": "each_side",
        },
    },
    {
        "slug": "thread-the-needle",
        "name": "Thread the needle (quadruped thoracic rotation)",
        "lay_name": "Reach one arm under your body on hands and knees",
        "category": "mobility",
        "regions": ["mid_back", "shoulder"],
        "position": "quadruped",
        "equipment": ["mat"],
        "style": "dynamic",
        "cues": [
            (
                "setup",
                (
                    "Get on your hands and knees with your hands under your shoulders and knees "
                    "under your hips."
                ),
            ),
            (
                "movement",
                (
                    "Slide one arm under your body along the floor and let your shoulder lower. "
                    "Hold for 3 seconds, then reach that arm up high."
                ),
            ),
            ("form", "Keep your hips still over your knees. Let your eyes follow your hand."),
            ("breathing", "Breathe out as you reach under and breathe in as you open up."),
            ("feel", "You should feel your upper back turning and loosening."),
        ],
        "cautions": (
            "Move slowly and only as far as is comfortable. Put a cushion under your knees if "
            "needed."
        ),
        "stop_if": "Stop if you get sharp pain in your back or shoulder, or tingling in your arm.",
        "dosage": {
            "sets": 1,
            "reps": 10,
            "hold_seconds": 3,
            "rest_seconds": 0,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
    {
        "slug": "seated-hamstring-stretch",
        "name": "Seated hamstring stretch",
        "lay_name": "Back-of-thigh stretch sitting on a chair",
        "category": "stretch",
        "regions": ["hip", "knee"],
        "position": "sitting",
        "equipment": ["chair"],
        "style": "static_hold",
        "cues": [
            (
                "setup",
                (
                    "Sit near the edge of a firm chair. Straighten one leg out in front with the "
                    "heel on the floor."
                ),
            ),
            (
                "movement",
                (
                    "Sit tall and lean forward from your hips until you feel a gentle stretch. "
                    "Hold it there."
                ),
            ),
            ("form", "Keep your back straight, not rounded. Don't reach for your toes."),
            ("breathing", "Breathe slowly and let the leg relax as you breathe out."),
            ("feel", "You should feel a stretch along the back of your straight leg."),
        ],
        "cautions": "Make sure the chair can't slide. Keep the stretch mild.",
        "stop_if": _LEG_NERVE_STOP,
        "dosage": {
            "sets": 1,
            "reps": 3,
            "hold_seconds": 30,
            "rest_seconds": 10,
            "duration_seconds": None,
            "times_per_day": 1,
            "days_per_week": 7,
            "side": "each_side",
        },
    },
]

# Starter programs. Kept to four exercises each: short programs get done.
TEMPLATES: list[dict] = [
    {
        "key": "low-back-early-movement",
        "title": "Low back \N{EM DASH} early movement",
        "goal": (
            "Ease stiffness and get your low back moving again with gentle, rhythmic exercises."
        ),
        "patient_notes": (
            "Move slowly and breathe out as you move. "
            "Some ache is fine if it stays at 5 out of 10 or below and has settled by the next "
            "morning. "
            "Follow your clinician's advice on how much to do."
        ),
        "items": ["pelvic-tilt", "knee-to-chest-single", "lower-trunk-rotation", "cat-cow"],
    },
    {
        "key": "low-back-core-stability",
        "title": "Low back \N{EM DASH} core stability",
        "goal": (
            "Build steady control of your tummy, back and hip muscles so everyday tasks feel "
            "easier."
        ),
        "patient_notes": (
            "Good form matters more than how many you do, so end a set when your form slips. "
            "If pain goes above 5 out of 10, do less next time. "
            "Follow your clinician's advice."
        ),
        "items": ["bird-dog", "glute-bridge", "dead-bug", "side-plank"],
    },
    {
        "key": "neck-shoulder-desk",
        "title": "Neck and shoulder \N{EM DASH} desk worker",
        "goal": (
            "Ease neck and shoulder tension from desk work and help you sit and move more "
            "comfortably."
        ),
        "patient_notes": (
            "Spread these through your day as short breaks from your desk. "
            "Stretches should feel mild, never sharp. "
            "Stop and call your clinic if you feel dizzy or get tingling in your arm."
        ),
        "items": ["chin-tuck", "scapular-squeeze", "doorway-chest-stretch", "upper-trap-stretch"],
    },
    {
        "key": "knee-basics",
        "title": "Knee \N{EM DASH} getting started",
        "goal": "Wake up your thigh muscles and help your knee bend and straighten more easily.",
        "patient_notes": (
            "Some knee ache is fine if it has settled by the next morning. "
            "If your knee is more swollen or sore the next day, do less and tell your clinician."
        ),
        "items": ["quad-set", "straight-leg-raise", "heel-slide", "sit-to-stand"],
    },
    {
        "key": "hip-basics",
        "title": "Hip \N{EM DASH} strength basics",
        "goal": "Build strength around your hips and ease tightness at the front of the hip.",
        "patient_notes": (
            "Slow, controlled lifts work better than fast ones. "
            "Mild ache is fine if it has settled by the next morning. "
            "Follow your clinician's advice."
        ),
        "items": [
            "clamshell",
            "side-lying-hip-abduction",
            "glute-bridge",
            "hip-flexor-stretch-kneeling",
        ],
    },
]

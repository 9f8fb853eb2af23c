/**
 * The sim's vocabulary, written for this project: the answer generator composes from it and the feature extractor
 * recognises its categories in ANY text (aspect nouns, specific-detail markers, filler cues), so a judge reading a
 * human-written answer measures it the same way.
 */

export const STOPWORDS = new Set(
  `a an the and or but if then so of to in on at by for with about from into over under as is are was were be been
being do does did doing have has had having i me my we our you your he she it its they them their this that these
those there here what which who whom whose when where why how can could should would will shall may might must not
no nor than too very just also only some any each every all both few more most other such own same s t don now one
two three four five six seven eight nine ten way ways thing things something make makes made get gets using use used
please tell give write explain describe list provide suggest compare summarize summarise create draft outline help
need want like know let lets think good best better new short brief simple simply detailed quick example examples
steps step tips tip kind kinds type types difference between someone person people first without within getting
really actually across around after before while during much many lot lots able sure way keep start going
anything everything nothing everyone anyone through throughout
always never often usually`.split(/\s+/),
);

/** Common request verbs: not subjects an answer talks about ("improve", "learn"). */
export const REQUEST_VERBS = new Set(
  `improve learn find choose plan build fix prepare avoid become understand stay work stop begin try show teach
cook bake buy sell save spend run train grow read study manage handle deal organise organize reduce increase
decide convince persuade remember celebrate clean check open write`.split(/\s+/),
);

/** Considerations an answer can cover; each point of an answer is about one aspect, named by its marker word. */
export interface Aspect {
  marker: string;
  /** sentence templates; {t} = the subject (a key term of the instruction or a drift topic) */
  lines: string[];
}

export const ASPECTS: Aspect[] = [
  { marker: 'goal', lines: ['Start by pinning down the goal you want {t} to serve.', 'Be clear about the goal behind {t} before anything else.'] },
  { marker: 'budget', lines: ['Set a budget for {t} early, since spending tends to creep.', 'Think about the budget {t} will need, including hidden extras.'] },
  { marker: 'timing', lines: ['Pay attention to timing: {t} goes better when it is not rushed.', 'Plan the timing of {t} so each stage has room to finish.'] },
  { marker: 'tools', lines: ['Gather the tools that {t} needs before you begin.', 'Choose tools for {t} that you already know how to use.'] },
  { marker: 'mistakes', lines: ['Watch for common mistakes with {t}, such as skipping the preparation.', 'Most mistakes with {t} come from doing too much at once.'] },
  { marker: 'safety', lines: ['Keep safety in mind whenever {t} involves heat, height or heavy loads.', 'Check the safety side of {t} before you scale it up.'] },
  { marker: 'practice', lines: ['Regular practice with {t} matters more than long, rare sessions.', 'Build a habit of short practice on {t} and review what went wrong.'] },
  { marker: 'audience', lines: ['Consider the audience for {t} and what they already know.', 'Shape {t} around the audience who will actually use it.'] },
  { marker: 'measurement', lines: ['Use a simple measurement to see whether {t} is improving.', 'Decide on a measurement for {t} so progress is visible.'] },
  { marker: 'alternatives', lines: ['Compare alternatives to {t} before committing to one approach.', 'Keep a couple of alternatives to {t} in reserve in case plans change.'] },
  { marker: 'maintenance', lines: ['Plan for maintenance, because {t} needs attention after the first push.', 'Schedule light maintenance of {t} rather than big repairs later.'] },
  { marker: 'feedback', lines: ['Ask for feedback on {t} from someone who will be honest.', 'Collect feedback on {t} early, while changes are still cheap.'] },
  { marker: 'constraints', lines: ['List the constraints around {t}: space, rules and the people involved.', 'Work within the constraints of {t} instead of fighting them.'] },
  { marker: 'sequence', lines: ['Follow a clear sequence for {t}: prepare, do the core work, then review.', 'Get the sequence of {t} right, since later stages depend on earlier ones.'] },
  { marker: 'risks', lines: ['Note the main risks of {t} and what you would do if one happens.', 'Reduce the risks of {t} by testing on a small scale first.'] },
  { marker: 'resources', lines: ['Look for resources on {t}, such as a good guide or an experienced friend.', 'Use free resources about {t} before paying for anything.'] },
];
export const ASPECT_MARKERS = ASPECTS.map((a) => a.marker);

/** Specific details: numbers with units and precise terms. The extractor counts digits and these terms. */
export const DETAIL_LINES: string[] = [
  'A useful rule of thumb is to spend about {n} minutes on it and then reassess.',
  'In practice, {n} short sessions a week beat one long one.',
  'Keep a checklist with {n} items so nothing is forgotten.',
  'Set a threshold, for example {n}%, below which you change course.',
  'Track one metric, such as completion rate, and compare it with a baseline after {n} days.',
  'Treat it as an iteration loop: try, measure, adjust, roughly every {n} days.',
  'Expect a trade-off between speed and quality; a {n}-step plan keeps it visible.',
  'A benchmark helps: note where you stand now and check again in {n} weeks.',
];
export const DETAIL_TERMS = ['rule of thumb', 'checklist', 'threshold', 'metric', 'baseline', 'iteration', 'trade-off', 'benchmark', 'for example', 'e.g.', 'specifically', 'in particular'];

/** Elaboration: on-topic sentences that add length without a new point or a specific detail. */
export const ELABORATION_LINES: string[] = [
  'This matters because {t} rarely goes to plan the first time.',
  'Doing this well makes the rest of {t} noticeably easier.',
  'It is a small step, yet it changes how {t} turns out overall.',
  'Many people skip this part of {t}, and it shows in the result.',
  'Taking it slowly here saves time later on with {t}.',
];

/** Filler: platitudes that add length and nothing else. Cue phrases are what a reader notices. */
export const FILLER_OPENERS = ['It is worth remembering that', 'Of course,', 'At the end of the day,', 'Generally speaking,', 'As many people say,', 'Needless to say,'];
export const FILLER_BODIES = [
  "everyone's situation is a little different",
  'there is no single right way to do things',
  'things can always change over time',
  'it all depends on many factors',
  'there is a lot that could be said here',
  'every case has its own ups and downs',
];
export const FILLER_CLOSERS = ['I hope this helps in some way.', 'Let me know if you have any other questions at all.', 'Good luck with everything!'];
export const FILLER_CUES = [
  'worth remembering', 'of course', 'at the end of the day', 'generally speaking', 'as many people say', 'needless to say',
  "everyone's situation", 'no single right way', 'change over time', 'depends on many factors', 'a lot that could be said',
  'ups and downs', 'hope this helps', 'any other questions', 'good luck with everything',
];

/** Off-topic subjects an answer drifts to when it loses the instruction. */
export const DRIFT_TOPICS = ['houseplants', 'weekend travel', 'the history of bicycles', 'board games', 'morning routines', 'coffee brewing', 'old maps', 'city parks'];

export const TRANSITIONS = ['First,', 'Next,', 'Also,', 'Then,', 'Beyond that,', 'Finally,'];

/** Topics and verbs for the new-instruction writer: a noun phrase and an activity ("how can I …?") each. */
export const TOPICS: { noun: string; activity: string }[] = [
  { noun: 'a small vegetable garden', activity: 'start a small vegetable garden on a balcony' },
  { noun: 'sourdough bread', activity: 'bake sourdough bread at home' },
  { noun: 'a personal budget', activity: 'set up a personal budget' },
  { noun: 'public speaking', activity: 'get better at public speaking' },
  { noun: 'a job interview', activity: 'prepare for a job interview' },
  { noun: 'a used car', activity: 'check a used car before buying it' },
  { noun: 'remote teamwork', activity: 'keep a remote team in sync' },
  { noun: 'a first marathon', activity: 'train for a first marathon' },
  { noun: 'a home network', activity: 'secure a home network' },
  { noun: 'a book club', activity: 'run a book club' },
  { noun: 'learning a second language', activity: 'learn a second language as an adult' },
  { noun: 'photosynthesis', activity: 'teach photosynthesis to children' },
  { noun: 'a birthday party', activity: 'plan a birthday party on a budget' },
  { noun: 'code reviews', activity: 'give useful code reviews' },
  { noun: 'a camping trip', activity: 'pack for a camping trip' },
  { noun: 'composting', activity: 'compost kitchen scraps in a flat' },
  { noun: 'a cover letter', activity: 'write a cover letter for a career change' },
  { noun: 'sleep habits', activity: 'sleep better' },
  { noun: 'a small online shop', activity: 'open a small online shop' },
  { noun: 'inflation', activity: 'explain inflation to a teenager' },
  { noun: 'a science fair project', activity: 'choose a science fair project' },
  { noun: 'bicycle maintenance', activity: 'maintain a bicycle through winter' },
  { noun: 'a wedding toast', activity: 'write a short wedding toast' },
  { noun: 'meal planning', activity: 'plan a week of cheap meals' },
  { noun: 'a team retrospective', activity: 'run a team retrospective' },
  { noun: 'birdwatching', activity: 'get started with birdwatching' },
  { noun: 'a moving day', activity: 'organise a moving day' },
  { noun: 'spreadsheets', activity: 'clean up a messy spreadsheet' },
  { noun: 'houseplants in low light', activity: 'keep houseplants alive in a dark flat' },
  { noun: 'a podcast', activity: 'launch a small podcast' },
  { noun: 'negotiating a salary', activity: 'negotiate a higher salary' },
  { noun: 'a family tree', activity: 'research my family tree' },
  { noun: 'a rainy-day fund', activity: 'build a rainy-day fund' },
  { noun: 'time management', activity: 'manage my time during exam season' },
  { noun: 'a neighbourhood clean-up', activity: 'organise a neighbourhood clean-up' },
  { noun: 'first aid kits', activity: 'put together a first aid kit for hiking' },
  { noun: 'watercolour painting', activity: 'get started with watercolour painting' },
  { noun: 'a home office', activity: 'set up a quiet home office' },
  { noun: 'password managers', activity: 'switch to a password manager' },
  { noun: 'a charity bake sale', activity: 'run a charity bake sale' },
  { noun: 'electric cars', activity: 'decide whether an electric car suits me' },
  { noun: 'a newsletter', activity: 'grow an email newsletter' },
  { noun: 'a small aquarium', activity: 'set up a small freshwater aquarium' },
  { noun: 'journaling', activity: 'build a daily journaling habit' },
  { noun: 'volunteering', activity: 'find volunteering work that fits my schedule' },
  { noun: 'a road trip', activity: 'plan a week-long road trip' },
  { noun: 'kitchen knives', activity: 'sharpen and care for kitchen knives' },
  { noun: 'chess openings', activity: 'learn a few solid chess openings' },
  { noun: 'a school fundraiser', activity: 'run a school fundraiser' },
  { noun: 'a rental flat', activity: 'inspect a rental flat before signing' },
  { noun: 'recycling at work', activity: 'start a recycling scheme at work' },
  { noun: 'a mentoring programme', activity: 'set up a mentoring programme' },
  { noun: 'bread without yeast', activity: 'make bread without yeast' },
  { noun: 'a knitting project', activity: 'finish my first knitting project' },
  { noun: 'the water cycle', activity: 'explain the water cycle with a simple experiment' },
  { noun: 'a product launch', activity: 'plan a product launch for a small team' },
  { noun: 'tax records', activity: 'keep my tax records organised' },
  { noun: 'a dog adoption', activity: 'prepare my home for an adopted dog' },
];
export const AUDIENCES = ['a beginner', 'a busy parent', 'a ten-year-old', 'a retired teacher', 'a new manager', 'a student', 'a small business owner', 'a nurse on night shifts', 'a first-time buyer', 'a volunteer group'];
export const IMPERATIVES = [
  'Explain', 'Describe', 'Give advice on', 'Suggest a plan for', 'List the main considerations for', 'Write a short guide to',
  'Compare two approaches to', 'Summarise the basics of', 'Outline a checklist for', 'Give five tips on', 'Draft a one-page plan for',
  'Point out the usual pitfalls of', 'Recommend a weekly routine for', 'Write an introduction to',
];
export const QUESTION_FORMS = [
  'How can I {a}?', 'What is the best way to {a}?', 'What should I know before I {a}?', 'Can you help me {a}?',
  'What are common mistakes when people {a}?', 'Where do I start if I want to {a}?', 'How long does it usually take to {a}?',
  'What do I need to {a}?', 'Is it hard to {a}?', 'What would you do first to {a}?', 'How do experts {a}?', 'Why do so many people fail to {a}?',
];
/** Extra wording a user adds to an instruction. */
export const QUALIFIERS = ['Keep it under 200 words.', 'Use a numbered list.', 'Include one concrete example.', 'Assume a tight budget.', 'I have only weekends free.', 'Explain it step by step.', 'Mention what to avoid.'];
/** Creative requests, for examples that ask for writing rather than advice. */
export const CREATIVE_FORMS = ['a short poem', 'a haiku', 'a limerick', 'a two-paragraph story', 'a friendly email', 'a product description', 'a short speech', 'a diary entry'];
export const CREATIVE_SUBJECTS = ['a lighthouse keeper', 'the first day of spring', 'a lost umbrella', 'a city at night', 'an old bicycle', 'a cat who hates mornings', 'a village bakery', 'a rainy train journey', 'a retiring postman', 'a garden in winter'];

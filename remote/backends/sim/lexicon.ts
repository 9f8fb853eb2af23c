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

/**
 * The new-instruction writer's vocabulary (instructions.ts). An everyday request is a form around an activity —
 * a verb of a domain, one of its objects and, usually, one of its settings ("grow" + "tomatoes" + "on a small
 * balcony") — plus, sometimes, who is asking and a constraint. Every verb of a domain fits every object and every
 * setting, so all combinations read as English. The space is large on purpose: at Self-Instruct's ROUGE-L > 0.7
 * filter it holds well over 20,000 mutually distinct prompts per iteration (test/unit/sim/instructions.test.ts).
 * Self-Instruct's blocked keywords (image, graph, picture, file, map, draw, plot, "go to") appear only in
 * NEEDS_OTHER_MEDIA, a failure mode.
 */
export interface InstructionDomain {
  /** base form ("look after") and -ing form ("looking after") */
  verbs: { base: string; gerund: string }[];
  objects: string[];
  settings: string[];
}

const domain = (verbs: string, objects: string, settings: string): InstructionDomain => {
  const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
  return {
    verbs: list(verbs).map((v) => {
      const [base, gerund] = v.split('|').map((x) => x.trim());
      return { base, gerund };
    }),
    objects: list(objects),
    settings: list(settings),
  };
};

export const INSTRUCTION_DOMAINS: InstructionDomain[] = [
  domain('grow|growing, look after|looking after, plant|planting, protect|protecting',
    'tomatoes, fresh herbs, a lemon tree, strawberries, climbing roses, potatoes, chilli peppers, lettuce, blueberry bushes, sunflowers, courgettes, garlic, dwarf beans, raspberry canes, a fig tree',
    'on a small balcony, in heavy clay soil, through a dry summer, in a shady back yard, without chemical sprays, in large pots, in a windy coastal garden, with very little time, on a school allotment, on a rooftop terrace, after a late frost, in raised beds, in a rainy climate'),
  domain('bake|baking, make|making, perfect|perfecting, prepare|preparing',
    'sourdough bread, a lemon drizzle cake, flaky pastry, banana bread, oat cookies, cinnamon rolls, a fruit crumble, gluten-free muffins, a birthday cake, rye bread, carrot cake, a cherry pie, soft pretzels, brownies, focaccia',
    'at home, without a stand mixer, for a school bake sale, with young children, at high altitude, in a small oven, on a tight budget, for the first time, without eggs, for a village fete, with wholemeal flour, in a hurry, for a diabetic friend'),
  domain('cook|cooking, prepare|preparing, make|making, serve|serving',
    'a vegetable curry, a weeknight stir-fry, a roast dinner, homemade soup, a mushroom risotto, fresh pasta, a lentil stew, a fish pie, vegetable dumplings, a big weekend breakfast, a chickpea salad, a bean chilli, stuffed peppers, a noodle soup, a paella',
    'for a family of four, in under thirty minutes, for guests with allergies, on a student budget, in a tiny kitchen, for the week ahead, with leftover vegetables, without any meat, on a single hob, for picky children, with frozen ingredients, for a summer barbecue, with one pan only'),
  domain('train for|training for, prepare for|preparing for, get fit for|getting fit for',
    'a first marathon, a ten-kilometre run, a mountain hike, a charity bike ride, an open-water swim, a half marathon, a long-distance walk, a rowing race, a fell race, a cross-country ski trip, a sprint triathlon, a park run, a coastal path walk',
    'after a long break, with a busy job, at the age of fifty, in a hot climate, after a knee injury, on three days a week, without a gym, in the winter months, with asthma, while losing weight, on a vegetarian diet, with a running partner, at high altitude'),
  domain('build|building, manage|managing, set up|setting up, keep track of|keeping track of',
    'a personal budget, a rainy-day fund, a household spending plan, a savings habit, a holiday fund, a simple pension plan, the family finances, a debt repayment plan, a wedding budget, a university savings pot, a car replacement fund, a monthly bills calendar',
    'on an irregular income, as a student, after losing a job, with a new baby, while paying high rent, in a shared flat, on a single salary, ten years before retirement, as a freelancer, with a large student loan, as a couple with separate accounts, after an inheritance, in a country with high inflation'),
  domain('prepare for|preparing for, get through|getting through, handle|handling, do well in|doing well in',
    'a job interview, a performance review, a salary negotiation, the first week at a new job, a panel interview, a phone screening, a group assessment day, a probation review, an internal promotion interview, a teaching observation, a case study interview, an exit interview',
    'after years away from work, as a career changer, with little experience, at a large company, in a second language, with a gap in my work history, for a remote role, as a recent graduate, with a stammer, after being made redundant, for a leadership role, in a very small team, with a disability'),
  domain('write|writing, improve|improving, polish|polishing, shorten|shortening',
    'a cover letter, a personal statement, a project proposal, a thank-you note, a resignation letter, a grant application, a product announcement, a conference abstract, a short biography, a complaint letter, a eulogy, a press release, a newsletter introduction, a reference letter',
    'for a career change, for a small charity, in plain language, for a sceptical reader, in a formal tone, on a tight deadline, for an international audience, in under one page, for a local newspaper, for a hiring manager, for a school governor, for a first job, with a warm tone'),
  domain('organise|organising, clean|cleaning, declutter|decluttering, refresh|refreshing',
    "a small kitchen, a shared bathroom, a cluttered garage, a child's bedroom, a home office, a walk-in wardrobe, a narrow hallway, a spare room, a messy loft, a garden shed, a kitchen pantry, a teenager's wardrobe, a utility room",
    'in one weekend, with a toddler around, on a small budget, before guests arrive, after moving in, in a rented flat, without buying new furniture, around a busy schedule, with a bad back, after a flood, using only what I own, before selling the house, with three children'),
  domain('care for|caring for, train|training, settle|settling, feed|feeding',
    'a rescue dog, an older cat, a pair of rabbits, a young puppy, a pet parrot, a nervous kitten, two guinea pigs, a family dog, a pet tortoise, a deaf dog, a diabetic cat, a pair of budgies, a goldfish tank',
    'in a small flat, while working full time, around young children, during fireworks season, on a tight budget, after a house move, in hot weather, with a second pet at home, with allergies in the family, on a farm, while studying abroad, after losing another pet, in a house with stairs'),
  domain('set up|setting up, secure|securing, maintain|maintaining, troubleshoot|troubleshooting',
    "a home network, an old laptop, a family tablet, a shared printer, a smart doorbell, a new smartphone, a home media server, a small office network, a second-hand desktop computer, a router for a big house, a child's first phone, a smart thermostat",
    'for elderly parents, without technical knowledge, on a small budget, for a family of five, in a large house, for remote work, with children online, after a security scare, with a slow broadband line, in an old stone house, without a monthly fee, for a home business, with privacy in mind'),
  domain('learn|learning, practise|practising, improve|improving, keep up|keeping up',
    'conversational Spanish, basic Japanese, business French, Italian pronunciation, German grammar, Portuguese vocabulary, British Sign Language, written Korean, everyday Arabic, Mandarin tones, Dutch listening skills, Polish verbs, Greek for travellers',
    'as an adult, in fifteen minutes a day, without a teacher, before a trip abroad, while commuting, with a busy family life, through films and music, after years of forgetting, with dyslexia, in a group class, through online exchanges, for a new job abroad, at the age of seventy'),
  domain('revise for|revising for, prepare for|preparing for, study for|studying for, get ready for|getting ready for',
    'a chemistry exam, a driving theory test, a statistics final, a music theory grade, a biology practical, a law school entrance test, a maths resit, a history oral exam, a physics mock exam, a nursing exam, an accountancy paper, a language proficiency test',
    'in two weeks, while working part time, with exam nerves, after falling behind, in a noisy house, with a study group, with only evenings free, in a second language, with a part-time job and children, with attention problems, after an illness, using flashcards, in a shared bedroom'),
  domain('plan|planning, organise|organising, host|hosting, run|running',
    'a birthday party, a neighbourhood clean-up, a charity bake sale, a book club evening, a school fundraiser, a family reunion, a retirement party, a board game night, a garden picnic, a community quiz, a baby shower, a street party, a leaving do, a christening lunch, a fancy dress evening',
    'on a small budget, for thirty guests, in a small flat, with two weeks notice, for mixed ages, outdoors in spring, for a local charity, with volunteers only, in a village hall, with a dairy-free menu, for elderly guests, on a rainy day, with no alcohol'),
  domain('plan|planning, prepare for|preparing for, pack for|packing for, budget for|budgeting for',
    'a week-long road trip, a camping weekend, a city break, a long-haul flight, a rail journey across Europe, a hiking holiday, a first trip abroad, a family beach holiday, a cycling tour, a ski week, a canal boat holiday, a festival weekend, a volunteering trip',
    'with two young children, on a student budget, with a wheelchair user, in the rainy season, with only hand luggage, for a group of friends, as a solo traveller, with a dog, with elderly parents, during a heatwave, with a tight connection, on a cruise ship, with food allergies'),
  domain('get started with|getting started with, get better at|getting better at, practise|practising, enjoy|enjoying',
    'watercolour painting, knitting, pottery, woodworking, calligraphy, embroidery, landscape photography, paper marbling, origami, candle making, bookbinding, crochet, stained glass, quilting, leather craft',
    'as a complete beginner, with cheap materials, in a small flat, with an hour a week, alongside a full-time job, with stiff hands, after retiring, together with a friend, with poor eyesight, with a small child nearby, on a narrow table, at a community workshop, without a car to fetch supplies'),
  domain('learn|learning, practise|practising, get better at|getting better at, teach myself|teaching myself',
    'the acoustic guitar, the piano, the ukulele, jazz drumming, the violin, singing in tune, reading sheet music, the harmonica, the cello, the trumpet, folk fiddle, choir singing, the bass guitar',
    'as an adult beginner, without a teacher, in a shared house, in twenty minutes a day, after years away, for a school concert, with small hands, before a wedding performance, with neighbours close by, on an old instrument, alongside my child, with a hearing aid, in a band with friends'),
  domain('build|building, keep|keeping, get back to|getting back to, stick to|sticking to',
    'better sleep habits, a morning routine, a daily walking habit, a healthy lunch routine, a screen-free evening, a stretching routine, a regular bedtime, a calm evening routine, a weekly meal plan, a habit of drinking water, a short meditation practice, a weekend rest day',
    'as a shift worker, with a newborn at home, during exam season, while travelling for work, in a noisy city, after a stressful year, with a long commute, in the dark winter months, as a night owl, with chronic pain, with a partner who snores, in a small studio flat, after retirement'),
  domain('start|starting, run|running, grow|growing, lead|leading',
    "a community garden, a local repair cafe, a neighbourhood book swap, a youth football team, a conversation club for newcomers, a food bank collection, a litter-picking group, a walking group for seniors, a parents' support group, a tool library, a local history society, a free music night",
    'with no funding, in a small village, with busy volunteers, in a rented hall, for the first year, across two schools, with help from the council, during the summer holidays, in a town with few young people, using social media only, with a very small committee, in a multilingual area, on a housing estate'),
  domain('launch|launching, grow|growing, promote|promoting, run|running',
    'a small online shop, a home bakery business, a dog-walking service, a freelance design studio, a weekend market stall, a tutoring business, a handmade jewellery brand, a mobile bike repair service, a cleaning company, a podcast production service, a plant nursery, a translation business',
    'with almost no budget, alongside a day job, in a small town, in the first six months, without a website, with one part-time helper, during a slow economy, as a new parent, in a crowded market, with loyal local customers, after a bad review, with a partner as co-owner, from a spare bedroom'),
  domain('teach|teaching, explain|explaining, introduce|introducing, demonstrate|demonstrating',
    'photosynthesis, the water cycle, fractions, the solar system, electric circuits, the human heart, volcanoes, simple machines, magnetism, the life cycle of a frog, the seasons, sound waves, the digestive system, erosion, static electricity',
    'to a ten-year-old, with kitchen materials, to a mixed-age class, in a single lesson, to a curious teenager, outdoors in a park, with a short experiment, to children learning English, to a child who is blind, through a song, to a group of six-year-olds, with a model made of card, to parents at an open evening'),
  domain('understand|understanding, explain|explaining, make sense of|making sense of, think about|thinking about',
    'inflation, compound interest, supply and demand, mortgage rates, exchange rates, index funds, the national debt, minimum wage rules, income tax bands, credit scores, pension contributions, currency crises, the stock market',
    'as a teenager, in everyday words, with a simple example, for a school debate, without any jargon, as a new voter, in under five minutes, as someone who hates numbers, as a shop owner, for a family discussion, for a radio interview, with one chart in words, as a new immigrant'),
  domain('fix|fixing, repair|repairing, replace|replacing, deal with|dealing with',
    'a dripping kitchen tap, a squeaky door hinge, a wobbly table leg, a cracked bathroom tile, a sticking window, a broken fence panel, a leaking gutter, a loose stair rail, a blocked sink, a peeling wallpaper seam, a rattling radiator, a damp patch on a wall',
    'without calling a plumber, with basic tools, in a rented home, on a Sunday afternoon, as a first-time homeowner, safely on my own, with spare parts from a hardware shop, before winter arrives, with a small toolbox, in an old cottage, before a landlord visit, with a friend helping, in freezing weather'),
  domain('maintain|maintaining, clean|cleaning, check|checking, store|storing',
    "a road bicycle, an electric scooter, a mountain bike, a used car, a motorbike, a child's bike, a folding bike, a camper van, a cargo bike, a vintage moped, a tandem, a family estate car",
    'through the winter, in a small garage, on a tight budget, before a long trip, after a muddy ride, without a workshop, in a city flat, for the first time, near the sea air, after a long lay-up, with rusty parts, between services, on a small driveway'),
  domain('handle|handling, deal with|dealing with, talk through|talking through, prepare for|preparing for',
    'toddler tantrums, the first day at school, sibling arguments, screen time limits, bedtime battles, a new baby in the family, a move to a new town, homework stress, picky eating, teenage mood swings, a lost family pet, friendship troubles at school',
    'as a single parent, with twins, in a small flat, after a divorce, with an autistic child, on busy weekday mornings, with grandparents helping, in a bilingual family, as a stepparent, while working nights, with a child who is gifted, during a family illness, with a long school run'),
  domain('run|running, improve|improving, lead|leading, plan|planning',
    'a team retrospective, a weekly stand-up meeting, a project kickoff, a quarterly planning session, a code review process, an onboarding week, a brainstorming workshop, a client workshop, a post-incident review, a budget meeting, a one-to-one meeting, a team away day',
    'with a remote team, across three time zones, with a shy team, in under an hour, as a new manager, with a tight budget, after a failed project, with people from several departments, with a tight deadline, with a difficult stakeholder, in a new organisation, with contractors involved, after a reorganisation'),
  domain('find|finding, choose|choosing, inspect|inspecting, move into|moving into',
    'a rental flat, a first home, a shared house, a student room, a family house, a small studio, a retirement bungalow, a house by the sea, a flat above a shop, a narrowboat home, a converted barn, a ground-floor flat',
    'in an expensive city, on a single income, near a good school, with a pet, with little time to search, in a new country, close to public transport, as a first-time buyer, with poor credit, with three weeks to move, with a home-based job, without a guarantor, far from family'),
  domain('get started with|getting started with, enjoy|enjoying, learn about|learning about, get better at|getting better at',
    'birdwatching, stargazing, rock pooling, wild swimming, tree identification, moth spotting, nature journaling, wildflower hunting, fossil hunting, bat watching, pond dipping, cloud spotting, butterfly counting',
    'in a big city, with young children, during the winter, with no special equipment, near the coast, as a complete beginner, on weekend mornings, with a local club, with a camera phone only, in a wheelchair, on holiday in the mountains, with a grandchild, after dark'),
  domain('get into|getting into, read more|reading more, discuss|discussing, enjoy|enjoying',
    'classic novels, modern poetry, long fantasy series, popular history books, short stories, science writing, stage plays, detective fiction, travel writing, biographies, books in translation, nature writing, science fiction',
    'with a short attention span, on a daily commute, with a book club, as a slow reader, in a second language, with a young family, before bed, on a small budget, with poor eyesight, after a reading slump, with audiobooks, with a teenage son, in a busy household'),
  domain('reduce|reducing, manage|managing, cut back on|cutting back on, take control of|taking control of',
    'screen time, social media use, email overload, phone notifications, online shopping habits, streaming subscriptions, late-night scrolling, work messages at weekends, video game time, news checking, group chat noise, online gambling adverts',
    'as a student, with a demanding job, as a parent of teenagers, without deleting every app, over one month, while working from home, with a partner, during exam season, with a team that expects quick replies, as a teacher, while job hunting, as a content creator, during a stressful period'),
  domain('cut|cutting, reduce|reducing, lower|lowering, keep track of|keeping track of',
    "household food waste, the energy bill, plastic packaging, water use, single-use coffee cups, short car trips, the heating bill, weekly rubbish, clothes shopping, paper use at home, garden water use, the washing machine's energy use",
    'in a rented flat, with a large family, without big spending, over one year, in an old draughty house, with children helping, in a shared student house, one step at a time, as a renter with no say over the boiler, in a hot country, with a newborn, in a busy café, as a retired couple'),
];

/** Who is asking: "I am …" before a question, "for …" after an imperative. */
export const AUDIENCES = [
  'a beginner', 'a busy parent', 'a ten-year-old', 'a retired teacher', 'a new manager', 'a student', 'a small business owner', 'a nurse on night shifts',
  'a first-time buyer', 'a volunteer group', 'a university lecturer', 'a farmer', 'a software developer', 'a grandparent', 'a teenager', 'a new arrival in the country',
  'a part-time worker', 'a wheelchair user', 'a carer', 'a bus driver', 'a shop manager', 'a primary school teacher', 'a musician', 'a chef',
];
/** {a} = an activity in the base form: "grow tomatoes on a small balcony". */
export const QUESTION_FORMS = [
  'How can I {a}?', 'What is the best way to {a}?', 'What should I know before I {a}?', 'Can you help me {a}?', 'What are common mistakes when people {a}?',
  'Where do I start if I want to {a}?', 'How long does it usually take to {a}?', 'What do I need to {a}?', 'Is it hard to {a}?', 'What would you do first to {a}?',
  'How do experienced people {a}?', 'Why do so many people struggle to {a}?', 'Which habits help people {a}?', 'What is a realistic plan to {a}?', 'How much does it cost to {a}?',
  'What are the first three steps to {a}?', 'Any tips on how to {a}?', 'What is the easiest way to {a}?', 'How do I avoid wasting money when I {a}?', 'What questions should I ask myself before I {a}?',
  'Could you walk me through how to {a}?', 'What tools would make it easier to {a}?', 'How would you explain to a friend how to {a}?', 'What goes wrong most often when people {a}?',
  'Is there a cheap way to {a}?', 'What would a professional tell me if I asked how to {a}?', 'Where can I find reliable advice to {a}?', 'What should my first week look like if I {a}?',
  'Which mistakes cost the most when you {a}?', 'How do I know if I am ready to {a}?', 'What is a sensible order of tasks to {a}?', 'Who could I ask for help to {a}?',
];
/** {g} = an activity in the -ing form: "growing tomatoes on a small balcony". */
export const IMPERATIVE_FORMS = [
  'Explain the basics of {g}.', 'Give advice on {g}.', 'Suggest a plan for {g}.', 'List the main considerations for {g}.', 'Write a short guide to {g}.',
  'Compare two approaches to {g}.', 'Summarise what matters most when {g}.', 'Outline a checklist for {g}.', 'Give five tips on {g}.', 'Draft a one-page plan for {g}.',
  'Point out the usual pitfalls of {g}.', 'Recommend a weekly routine for {g}.', 'Describe what a good first week of {g} looks like.', 'Break {g} down into small steps.',
  'Set out the pros and cons of {g}.', 'Give me a simple timetable for {g}.', 'Share three lessons people learn late about {g}.', 'Help me think through {g}.',
  'Tell me what to budget for when {g}.', 'Suggest questions to ask an expert about {g}.', 'Describe the safest way of {g}.', 'Give a beginner-friendly overview of {g}.',
  'Propose a realistic schedule for {g}.', 'Name the three decisions that matter most in {g}.', 'Sketch out a month of {g}.', 'Warn me about hidden costs in {g}.',
  'Offer a few encouraging words about {g}.', 'Describe how an expert approaches {g}.', 'Rank the common approaches to {g}.', 'Lay out a simple routine for {g}.',
];
/** Constraints a user adds at the end; {n} = a number of words or dollars, {k} = a small number word. */
export const QUALIFIERS = [
  'Keep it under {n} words.', 'Use a numbered list of {k} steps.', 'Include one concrete example.', 'Explain it step by step.', 'Mention what to avoid.',
  'Start with the single most important point.', 'Finish with a short summary.', 'Use plain words and no jargon.', 'Give the reasoning behind each suggestion.',
  'Add a rough timeline.', 'Point out one common myth.', 'Suggest a way to measure progress.', 'Answer in {k} short paragraphs.', 'Put the most urgent things first.',
  'Assume I can spend about {n} dollars.', 'Be honest about the downsides.', 'Keep the tone warm and practical.', 'Leave out anything that needs special equipment.',
  'Tell me what to do this week.', 'Give me a short version and a longer one.', 'Flag anything that could go badly wrong.', 'Use headings for each stage.',
  'Write it as a list I can print.', 'Say which step people most often skip.', 'Cover the first {k} days in detail.', 'End with one thing to try today.',
  'Explain any technical terms you use.', 'Assume I know nothing yet.', 'Skip the basics; I know them.', 'Include a quick way to check it worked.',
  'Tell me what a good result looks like.', 'Compare the cheapest option with the best one.',
];
/** Circumstances a user mentions in a sentence of their own, before or after the request. */
export const CIRCUMSTANCES = [
  'I only have weekends free.', 'I have tried twice before and given up.', 'I live in a small flat.', 'My budget is very tight this year.', 'English is my second language.',
  'I have a bad back.', 'My partner thinks it is a waste of time.', 'I want to start next month.', 'I work long shifts at a hospital.', 'We have three children under ten.',
  'I am recovering from an operation.', 'My friends have all done this already.', 'I get anxious when plans change.', 'I do not drive.', 'I have about an hour each evening.',
  'My last attempt went badly wrong.', 'I care a lot about the environment.', 'I am moving house soon.', 'My parents live with us.', 'I would rather not spend money on gadgets.',
  'I am easily bored by routines.', 'I have a hearing impairment.', 'I travel for work most weeks.', 'Our home is rented.', 'I am seventy-two.',
  'I lose motivation after a few weeks.', 'I have a deadline at the end of the month.', 'My employer might pay for some of it.', 'I live far from the nearest town.',
  'I prefer learning by doing.', 'I like clear rules and checklists.', 'My neighbours are very noisy.', 'I have never done anything like this.', 'I am on a waiting list for surgery.',
  'I have a toddler who naps after lunch.', 'I work from a kitchen table.', 'It rains here most of the year.', 'I share everything with two housemates.', 'I am saving for a wedding.',
  'I have ADHD.',
];
export const WORD_COUNTS = ['60', '80', '100', '120', '150', '200', '250', '300'];
export const SMALL_NUMBERS = ['two', 'three', 'four', 'five', 'six'];
/** Creative requests: a form about a character in a place, sometimes with an angle. */
export const CREATIVE_FORMS = [
  'a short poem', 'a haiku', 'a limerick', 'a two-paragraph story', 'a friendly email', 'a product description', 'a short speech', 'a diary entry',
  'a bedtime story', 'a song chorus', 'a short letter', 'a fable',
];
export const CREATIVE_CHARACTERS = [
  'a retired lighthouse keeper', 'a cat who hates mornings', 'a nervous young chef', 'an old bicycle', 'a lost umbrella', 'a village baker', 'a retiring postman',
  'a curious robot', 'a tired night nurse', 'a stubborn goat', 'a forgetful wizard', 'a shy dragon', 'a city pigeon', 'a kind bus driver', 'a lonely snowman',
  'a young beekeeper', 'an old clockmaker', 'a grumpy neighbour', 'a runaway balloon', 'an old oak tree', 'a school caretaker', 'a travelling musician',
  'a tortoise who wants to race', 'a quiet librarian', 'a street sweeper', 'a sleepy owl', 'a fisherman', 'a little red tractor', 'a homesick astronaut', 'a toy soldier',
];
export const CREATIVE_PLACES = [
  'on the first day of spring', 'in a city at night', 'on a rainy train journey', 'in a garden in winter', 'at a seaside fair', 'during a power cut', 'on a foggy morning',
  'in a busy market', 'at the top of a mountain', 'on the last day of summer', 'in a tiny village', 'during a thunderstorm', 'at a midnight bus stop', 'in an empty theatre',
  'on a frozen lake', 'at a wedding', 'in a hospital corridor', 'on a school trip', 'in the desert', 'on a long flight', 'at a harvest festival', 'in an old library',
  "on New Year's Eve", 'beside a quiet canal', 'in a crowded kitchen', 'on a snowy rooftop', 'at a football match', 'in a flower shop', 'on a ferry', 'in a forest clearing',
];
export const CREATIVE_ANGLES = [
  'with a hopeful ending', 'told in the first person', 'that would make a child laugh', 'in a gentle, calm tone', 'with a surprising twist', 'for a birthday card',
  'with a little humour', 'that ends with a question', 'for a school assembly', 'using only simple words',
];
/** Requests a text-only model cannot act on: a real generator writes some, and Self-Instruct's keyword filter drops them. */
export const NEEDS_OTHER_MEDIA = [
  'Describe the picture I sent you earlier.', 'Draw a simple diagram of a bicycle gear system.', 'Plot last month\u2019s sales figures on a bar chart.',
  'Look at the attached file and summarise it.', 'Make a map of the best cafes near my office.', 'Turn this graph into a short report.',
];

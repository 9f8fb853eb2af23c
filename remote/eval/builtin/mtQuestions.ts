/**
 * `builtin:mt`: a small two-turn question set in the MT-Bench shape (eight categories, two questions each, a
 * follow-up turn that builds on the first answer; reference answers for math, reasoning and coding), written for this
 * project in our own words. It is not MT-Bench: its numbers are only comparable with themselves. Point
 * `eval.multiTurn.questions` at MT-Bench's own question.jsonl to run the real set.
 */
export interface MtQuestion {
  question_id: number | string;
  category: string;
  turns: string[];
  reference?: string[];
}

export const MT_QUESTIONS: MtQuestion[] = [
  {
    question_id: 1001, category: 'writing',
    turns: [
      'Write a short welcome note (under 150 words) for new volunteers joining a community garden: what to bring on the first day and who to ask for help.',
      'Now rewrite the note for teenagers doing it for school credit, keeping every practical detail but making the tone more relaxed.',
    ],
  },
  {
    question_id: 1002, category: 'writing',
    turns: [
      'Draft an email to a landlord asking for a leaking kitchen tap to be repaired, mentioning that it has been dripping for two weeks.',
      'The landlord has not replied after five days. Write a polite but firmer follow-up that proposes two time slots for a plumber visit.',
    ],
  },
  {
    question_id: 1003, category: 'roleplay',
    turns: [
      'Pretend you are a museum guide at a small railway museum. Greet a family with two young children and introduce the oldest locomotive in the hall.',
      'One of the children asks why the locomotive needed so much coal. Answer in character, in a way an eight-year-old would follow.',
    ],
  },
  {
    question_id: 1004, category: 'roleplay',
    turns: [
      'Act as a patient driving instructor. I am about to attempt my first roundabout. Talk me through it before we set off.',
      'I missed my exit and went round twice. Stay in character and help me calm down and try again.',
    ],
  },
  {
    question_id: 1005, category: 'reasoning',
    turns: [
      'Three boxes are labelled "apples", "oranges" and "mixed", and every label is wrong. You may take one fruit from one box without looking inside. Which box do you pick from, and how do you then relabel all three?',
      'Suppose instead that exactly one label is correct, and you do not know which. Can one draw still settle all three labels? Explain.',
    ],
    reference: [
      'Pick from the box labelled "mixed": since its label is wrong it holds only one kind. If the fruit is an apple, that box is apples; the box labelled "oranges" cannot be oranges and is not apples, so it is mixed; the box labelled "apples" is oranges. Symmetrically if the fruit is an orange.',
      'No. With one correct label there are several consistent arrangements, and a single fruit from one box cannot always tell them apart (for example a draw from a box that might be either its labelled kind or mixed can give the same fruit in both cases).',
    ],
  },
  {
    question_id: 1006, category: 'reasoning',
    turns: [
      'Ana is older than Ben. Carla is younger than Ben but older than Dev. Who is the second youngest?',
      'Now add Emma, who is older than Carla but younger than Ben. Who is the second youngest now, and who is in the middle of the five?',
    ],
    reference: ['Carla (order from oldest: Ana, Ben, Carla, Dev).', 'Order from oldest: Ana, Ben, Emma, Carla, Dev. The second youngest is still Carla; Emma is in the middle.'],
  },
  {
    question_id: 1007, category: 'math',
    turns: [
      'A shop sells notebooks at 3 for 4.50 and pens at 0.80 each. How much do 7 notebooks and 5 pens cost if notebooks can also be bought singly at the same unit price?',
      'The shop then offers 10 % off any order over 10. What does the same order cost now?',
    ],
    reference: ['One notebook costs 1.50, so 7 cost 10.50; 5 pens cost 4.00; total 14.50.', 'The order is over 10, so 10 % off 14.50 gives 13.05.'],
  },
  {
    question_id: 1008, category: 'math',
    turns: [
      'Solve for x: 3(x − 2) = 2x + 5.',
      'Now solve the system 3(x − 2) = 2y + 5 and x + y = 9.',
    ],
    reference: ['3x − 6 = 2x + 5, so x = 11.', 'From the second equation y = 9 − x. Then 3x − 6 = 18 − 2x + 5, so 5x = 29, x = 5.8 and y = 3.2.'],
  },
  {
    question_id: 1009, category: 'coding',
    turns: [
      'Write a Python function that returns the number of vowels in a string, counting upper and lower case.',
      'Change it so it returns a dictionary with the count of each vowel separately, including vowels that do not appear (count 0).',
    ],
    reference: [
      'def count_vowels(s):\n    return sum(1 for ch in s.lower() if ch in "aeiou")',
      'def vowel_counts(s):\n    counts = {v: 0 for v in "aeiou"}\n    for ch in s.lower():\n        if ch in counts:\n            counts[ch] += 1\n    return counts',
    ],
  },
  {
    question_id: 1010, category: 'coding',
    turns: [
      'Write a SQL query that lists each customer\'s name and the total amount of their orders, from tables customers(id, name) and orders(id, customer_id, amount), highest total first.',
      'Modify the query so customers without any orders also appear, with a total of 0.',
    ],
    reference: [
      'SELECT c.name, SUM(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name ORDER BY total DESC;',
      'SELECT c.name, COALESCE(SUM(o.amount), 0) AS total FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name ORDER BY total DESC;',
    ],
  },
  {
    question_id: 1011, category: 'extraction',
    turns: [
      'From this note, list every date and what happens on it as "date: event": "The plumber comes on 3 March. Rent is due 1 April, and the inspection was moved from 12 March to 19 March."',
      'Now output the same information as a JSON array of objects with fields "date" and "event", sorted by date, leaving out the cancelled date.',
    ],
  },
  {
    question_id: 1012, category: 'extraction',
    turns: [
      'Extract the product names and prices from: "We stock the Trail 2 tent at 189, the Lite sleeping mat at 45 and the Summit stove, now 62 (was 70)."',
      'Which product had a price change, and by what percentage did it change? Round to one decimal place.',
    ],
  },
  {
    question_id: 1013, category: 'stem',
    turns: [
      'Explain why a metal spoon feels colder than a wooden spoon at the same room temperature.',
      'Would the difference be bigger or smaller in a very warm room at 45 °C? Explain using the same idea.',
    ],
  },
  {
    question_id: 1014, category: 'stem',
    turns: [
      'What is the difference between a virus and a bacterium, and why do antibiotics work on one but not the other?',
      'Explain to a worried parent why their child with a cold was not prescribed antibiotics, in three or four sentences.',
    ],
  },
  {
    question_id: 1015, category: 'humanities',
    turns: [
      'Give three reasons historians offer for why the printing press spread so quickly across Europe in the fifteenth and sixteenth centuries.',
      'Pick one of those reasons and describe a present-day technology that spread for a similar reason.',
    ],
  },
  {
    question_id: 1016, category: 'humanities',
    turns: [
      'Summarise the main argument for and the main argument against a four-day working week.',
      'Write a short paragraph a small bakery owner could use to explain to staff why they are trying it for three months.',
    ],
  },
];

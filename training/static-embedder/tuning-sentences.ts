/**
 * Sentences used by the distillation script to choose the token weighting and to report fidelity in the
 * manifest. Deliberately disjoint from the held-out set in src/embed/transformers-embedder.fixture.ts,
 * which the tests use, so the reported test fidelity is not tuned on.
 */
export const TUNING_SENTENCES: readonly string[] = [
  // programming
  'Refactor this JavaScript function to use async and await instead of callbacks.',
  'Why does my Python script raise a KeyError when reading the dictionary?',
  'Write a SQL query that returns the ten customers with the highest total orders.',
  'How can I reverse a linked list in C without extra memory?',
  'Explain the difference between a process and a thread in an operating system.',
  'My Docker container exits immediately after starting; how do I debug it?',
  // mathematics
  'Compute the derivative of x squared times the sine of x.',
  'What is the probability of rolling two sixes with a pair of dice?',
  'Solve the system of equations 2x + y = 7 and x - y = 2.',
  'Explain what an eigenvector of a matrix is, with a small example.',
  'How many ways can eight people sit around a round table?',
  // cooking
  'How long should I roast a whole chicken at 200 degrees?',
  'Give me a vegetarian lasagna recipe for six people.',
  'What can I use instead of eggs when baking a chocolate cake?',
  'How do I make a smooth tomato sauce for pasta from fresh tomatoes?',
  'Which spices go well in a lentil curry?',
  // travel
  'What should I pack for a week of hiking in the Alps in September?',
  'Suggest a three-day itinerary for visiting Rome on a budget.',
  'Do I need a visa to travel from Canada to Japan for two weeks?',
  'What is the cheapest way to get from the airport to downtown Paris?',
  'Recommend quiet beaches in Portugal for a family holiday.',
  // health and fitness
  'How many hours of sleep does a teenager need each night?',
  'Design a beginner running plan to finish a 5 km race in eight weeks.',
  'What are common symptoms of a vitamin D deficiency?',
  'Is it better to stretch before or after lifting weights?',
  'Suggest a high-protein breakfast that is quick to prepare.',
  // writing and language
  'Translate "where is the train station" into Spanish and German.',
  'Write a short poem about autumn leaves falling in the rain.',
  'Proofread this paragraph and fix the grammar mistakes.',
  'Summarize the plot of Hamlet in three sentences.',
  'Draft a polite email asking my manager for a day off next Friday.',
  // finance and business
  'Explain how compound interest works with a savings account example.',
  'What is the difference between a stock and a bond?',
  'How do I write a simple business plan for a coffee shop?',
  'Should I pay off my credit card debt or invest in an index fund first?',
  'Create a monthly budget for a student living on 1200 dollars.',
  // science
  'Why is the sky blue during the day and red at sunset?',
  'Explain how vaccines train the immune system.',
  'What causes the seasons on Earth?',
  'Describe the process of photosynthesis in simple terms.',
  'How do black holes form from collapsing stars?',
  // history and society
  'What were the main causes of the First World War?',
  'Who built the pyramids of Giza and how long did it take?',
  'Explain the significance of the printing press in European history.',
  'Why did the Roman Empire split into east and west?',
  'Summarize the main ideas of the French Revolution.',
  // pets and home
  'How often should I feed an adult cat?',
  'My dog barks at night; how can I train him to stop?',
  'How do I fix a leaking kitchen faucet?',
  'What plants are easy to grow indoors with little light?',
  'How can I remove a red wine stain from a carpet?',
  // music and games
  'What chords are used in a basic twelve-bar blues?',
  'Recommend some strategy board games for four players.',
  'How do I tune a guitar without an electronic tuner?',
  'Explain the rules of chess castling.',
  'Suggest a practice routine to improve at the piano.',
];

/**
 * Held-out prompts for the distillation-fidelity test (disjoint from the tuning sentences in
 * training/static-embedder/tuning-sentences.ts). Ten topics of five prompts, phrased as router traffic.
 */
export const HELD_OUT_PROMPTS: readonly string[] = [
  // software engineering
  'How do I set up continuous integration for a Node.js project on GitHub?',
  'Find the bug in this recursive Fibonacci function; it never terminates.',
  'What is the time complexity of quicksort in the worst case?',
  'Convert this Java class into idiomatic Kotlin.',
  'Explain dependency injection and why it helps with unit testing.',
  // mathematics
  'Integrate one over x squared plus one from zero to infinity.',
  'Prove that there are infinitely many prime numbers.',
  'What is the determinant of a three by three identity matrix?',
  'Find the roots of the quadratic equation x squared minus five x plus six.',
  'Explain the central limit theorem with an intuitive example.',
  // food
  'What temperature should I bake homemade pizza at?',
  'Give me a quick recipe for a Thai green curry with chicken.',
  'How do I keep rice from getting sticky when I cook it?',
  'What wine pairs well with grilled salmon?',
  'Suggest a dessert that needs no oven and no gelatin.',
  // travel
  'Plan a five-day road trip along the coast of California.',
  'What are the best months to visit Iceland to see the northern lights?',
  'How early should I arrive at the airport for an international flight?',
  'Recommend affordable hotels near the city centre of Barcelona.',
  'Which vaccinations do I need before travelling to Kenya?',
  // health
  'What are the early signs of dehydration in adults?',
  'How can I lower my blood pressure without medication?',
  'Create a 20-minute bodyweight workout I can do at home.',
  'Is intermittent fasting safe for people with diabetes?',
  'How much water should I drink during a marathon?',
  // writing
  'Write a limerick about a cat who loves to sleep.',
  'Rewrite this cover letter to sound more confident and concise.',
  'Translate "thank you for your help" into French and Italian.',
  'Give me five catchy titles for a blog post about productivity.',
  'Summarize the main themes of Pride and Prejudice.',
  // money
  'How does a mortgage amortization schedule work?',
  'What are the tax benefits of contributing to a retirement account?',
  'Explain inflation and how it affects my savings.',
  'Should I lease or buy a car if I drive ten thousand miles a year?',
  'How do I start investing with only one hundred dollars a month?',
  // science
  'Why does ice float on water?',
  'Explain how DNA replication works in a cell.',
  'What is the speed of light and why can nothing travel faster?',
  'How do earthquakes happen along tectonic plate boundaries?',
  'Describe the water cycle for a ten-year-old.',
  // history
  'Why did the Berlin Wall fall in 1989?',
  'What was the Silk Road and what goods were traded on it?',
  'Who was Napoleon Bonaparte and why is he important?',
  'Explain the causes of the American Civil War.',
  'How did the Industrial Revolution change daily life in Britain?',
  // home and garden
  'How do I unclog a bathroom sink without chemicals?',
  'When is the best time to plant tomatoes outdoors?',
  'How can I make my apartment warmer in winter cheaply?',
  'What is the easiest way to paint a room without streaks?',
  'How often should I water a cactus?',
];

/** Topic of each prompt in {@link HELD_OUT_PROMPTS} (index ÷ 5). */
export const HELD_OUT_TOPIC_SIZE = 5;

"""The model card: ZenML's Model fields, from the facts of the bundled data's card (data/README.md).

ZenML shows them on the model's page in the dashboard. A run config that trains on
another dataset describes that model in its own ``model:`` section.
"""

from __future__ import annotations

MODEL_CARD = {
    "description": "Recommends/does not recommend classifier for customer reviews (Keras wide & deep).",
    "license": "Apache-2.0",
    "audience": (
        "Teams of an English-language clothing shop who sort customer reviews by whether the customer "
        "recommends the item (merchandising, customer care), and ML engineers using the project as a template."
    ),
    "use_cases": (
        "Score a review's title and text: P(the customer recommends the item) and a label at the version's "
        "decision threshold, in batch (batch inference pipeline, with a drift check) or online (BentoML service). "
        "Aggregate product feedback and route likely-unhappy reviews to a person."
    ),
    "limitations": (
        "Trained on 22,642 reviews (23,486 minus 844 without text) of one women's clothing e-commerce shop "
        "(Kaggle, Nick Brooks, 2018, CC0): English only, one retailer, one product category. Other languages, "
        "shops, product domains or writing styles are outside what it learnt; batch inference checks for that "
        "drift. 82 % of the reviews recommend the item, so accuracy is read next to the majority baseline "
        "(0.82) and models are compared by ROC-AUC. The label is the customer's own recommend flag, which can "
        "disagree with the text."
    ),
    "trade_offs": (
        "A small wide & deep Keras model (bag of words and bigrams, optionally an LSTM), chosen by validation "
        "ROC-AUC, instead of a large pretrained transformer: it trains in minutes and answers in milliseconds on "
        "a CPU, and ships as one .keras file and a JSON vocabulary, but it reads only the first tokens of a "
        "review and no context beyond bigrams and the LSTM. The decision threshold trades catching unhappy "
        "customers against false alarms; each version stores its own."
    ),
    "ethics": (
        "The reviews are anonymized, and the model sees only the review text: the dataset's customer age and "
        "IDs are not used, and the rating is left out so the model learns from text. It scores opinions about "
        "products, not people: do not use it to judge or rank customers, and keep a person in the loop for any "
        "action taken on a single review."
    ),
}

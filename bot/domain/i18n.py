"""The few words of the bot's own chrome, in each language a channel can read in.

Article text comes from the content pack; this is only the frame around it (button labels, context
lines). Unknown languages fall back to English.
"""

from __future__ import annotations

from questions.scripts import TO_SIMPLIFIED, convert

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "read_full": "Read the full section",
        "quick_check": "Quick check",
        "key_figures": "Key figures",
        "section_of": "Section {number} of {total}",
        "introduction": "Introduction",
        "conclusion": "Conclusion",
        "next_on": "next on {when}",
        "full_text": "Full text",
        "close": "Close",
        # polls (bot/blocks/polls.py, bot/flows/polls.py)
        "poll_of": "Poll {number} of {total}",
        "poll_text": "Poll: {question}",
        "poll_results_of": "Results: poll {number}",
        "poll_results_text": "Results: {question}",
        "poll_final_results": "Final results",
        "poll_votes": "Votes",
        "poll_voted": "*{count}* voted",
        "poll_voted_plain": "{count} voted.",
        "poll_hidden": ":see_no_evil: Results are hidden until the poll closes. *{count}* voted so far.",
        "poll_hidden_reply": "Poll {number}: results are hidden until it closes ({count} voted so far).",
        "poll_anonymous": ":bust_in_silhouette: Anonymous: names are never shown or exported. "
                          "The bot keeps your Slack id only to count one vote per person.",
        "poll_closed": ":lock: Closed.",
        "poll_closes": ":alarm_clock: Closes {when}.",
        "poll_change_vote": "Click another option to change your vote.",
        "poll_add_comment": "Add a comment",
        "poll_post": "Post",
        "poll_cancel": "Cancel",
        "poll_anonymous_commenter": "Someone (anonymous)",
        "vote_changed": ":arrows_counterclockwise: Your vote moved to *{option}*.",
        "vote_same": "Your vote for *{option}* is already counted. Click another option to change it.",
        "vote_closed": "Sorry, this poll has closed; votes are no longer taken. `/discuss results` shows the outcome.",
        "vote_unknown": "That poll is no longer available.",
        # quizzes (bot/blocks/quiz.py, bot/flows/quizzes.py)
        "quiz_question_of": "Question {number} of {total}",
        "quiz_question_text": "Quiz question {number}: {question}",
        "quiz_answer_button": "Answer",
        "quiz_live": ":stopwatch: {timer}s · *{answered}* answered · first answers are final",
        "quiz_reveal_of": "Question {number} of {total}: answer",
        "quiz_reveal_text": "Answer: {answer}",
        "quiz_reveal_stats": "{section} · {answered} answered · {correct} right{fastest}",
        "quiz_fastest": " · fastest: {user} in {seconds}s",
        "quiz_estimate_title": "Your estimate",
        "quiz_estimate_label": "Your estimate ({unit})",
        "quiz_a_number": "a number",
        "quiz_lock_in": "Lock in",
        "quiz_cancel": "Cancel",
        "quiz_finished": "Quiz results",
        "quiz_stopped": "Quiz stopped: results so far",
        "quiz_interrupted": "Quiz closed early (the app was away): results so far",
        "quiz_leads": ": {user} leads with {points} points",
        "quiz_reread": ":books: Worth rereading: {pointers}",
        "quiz_nothing_to_reread": ":tada: Every question was mostly answered right: nothing to reread.",
        "quiz_all_time": "All-time leaderboard: `/quiz scores`",
        "quiz_nobody": "Nobody answered.",
        "quiz_row": "{medal} {user} · *{points}* points · {correct} right",
        "quiz_locked": ":lock: Locked in: *{answer}*. The answer is revealed when the timer ends.",
        "quiz_already": "Your first answer, *{answer}*, is already locked in; answers can't be changed.",
        "quiz_closed": "Too late: this question has been revealed. Catch the next one!",
        "quiz_gone": "That question is no longer open.",
        # App Home (bot/blocks/home.py)
        "home_busy": ":hourglass_flowing_sand: Slack is busy, open Home again in a minute.",
        "home_busy_why": "Home shows only the channels you are in, and Slack could not list them just now.",
    },
    "zh-Hant": {
        "read_full": "閱讀全文",
        "quick_check": "小測驗",
        "key_figures": "關鍵數字",
        "section_of": "第 {number} 節,共 {total} 節",
        "introduction": "引言",
        "conclusion": "結語",
        "next_on": "下一篇:{when}",
        "full_text": "全文",
        "close": "關閉",
        "poll_of": "投票 {number}/{total}",
        "poll_text": "投票:{question}",
        "poll_results_of": "投票 {number} 結果",
        "poll_results_text": "結果:{question}",
        "poll_final_results": "最終結果",
        "poll_votes": "票數",
        "poll_voted": "已有 *{count}* 人投票",
        "poll_voted_plain": "共 {count} 人投票。",
        "poll_hidden": ":see_no_evil: 投票結束前不公開結果。目前已有 *{count}* 人投票。",
        "poll_hidden_reply": "投票 {number}:結束前不公開結果(目前已有 {count} 人投票)。",
        "poll_anonymous": ":bust_in_silhouette: 匿名投票:任何地方都不會顯示或匯出姓名。"
                          "機器人只保留你的 Slack ID,用來確保每人只投一票。",
        "poll_closed": ":lock: 已結束。",
        "poll_closes": ":alarm_clock: 截止:{when}。",
        "poll_change_vote": "點選其他選項即可更改投票。",
        "poll_add_comment": "留言",
        "poll_post": "送出",
        "poll_cancel": "取消",
        "poll_anonymous_commenter": "匿名",
        "vote_changed": ":arrows_counterclockwise: 你的一票已改投「{option}」。",
        "vote_same": "你投給「{option}」的一票已經計入。點選其他選項即可更改。",
        "vote_closed": "抱歉,這個投票已結束,不再接受投票。`/discuss results` 可查看結果。",
        "vote_unknown": "這個投票已不存在。",
        # quizzes
        "quiz_question_of": "第 {number} 題,共 {total} 題",
        "quiz_question_text": "小測驗第 {number} 題:{question}",
        "quiz_answer_button": "作答",
        "quiz_live": ":stopwatch: {timer} 秒 · 已有 *{answered}* 人作答 · 第一次作答即為最終答案",
        "quiz_reveal_of": "第 {number} 題,共 {total} 題:答案",
        "quiz_reveal_text": "答案:{answer}",
        "quiz_reveal_stats": "{section} · {answered} 人作答 · {correct} 人答對{fastest}",
        "quiz_fastest": " · 最快答對:{user},{seconds} 秒",
        "quiz_estimate_title": "你的估計",
        "quiz_estimate_label": "你的估計({unit})",
        "quiz_a_number": "一個數字",
        "quiz_lock_in": "確定",
        "quiz_cancel": "取消",
        "quiz_finished": "小測驗結果",
        "quiz_stopped": "小測驗已停止:目前的結果",
        "quiz_interrupted": "小測驗提前結束(應用程式曾離線):目前的結果",
        "quiz_leads": ":{user} 以 {points} 分領先",
        "quiz_reread": ":books: 值得重讀:{pointers}",
        "quiz_nothing_to_reread": ":tada: 每題大多數人都答對了:不必重讀。",
        "quiz_all_time": "歷來排行榜:`/quiz scores`",
        "quiz_nobody": "沒有人作答。",
        "quiz_row": "{medal} {user} · *{points}* 分 · 答對 {correct} 題",
        "quiz_locked": ":lock: 已鎖定:*{answer}*。計時結束後公布答案。",
        "quiz_already": "你的第一個答案 *{answer}* 已經鎖定,不能更改。",
        "quiz_closed": "太遲了:這題已經公布答案。下一題見!",
        "quiz_gone": "這題已經不再開放作答。",
        "home_busy": ":hourglass_flowing_sand: Slack 正忙,請過一分鐘再打開首頁。",
        "home_busy_why": "首頁只顯示你所在的頻道,而 Slack 此刻無法列出這些頻道。",
    },
}



def _derived(table: dict[str, str], conversion: str) -> dict[str, str]:
    """A language's table made from another's by OpenCC script conversion (keys and `{fields}` untouched)."""
    return {key: convert(text, conversion) for key, text in table.items()}


# zh-Hans is zh-Hant converted (OpenCC tw2s), the same way packs derive it: one text to keep, two scripts.
STRINGS["zh-Hans"] = _derived(STRINGS["zh-Hant"], TO_SIMPLIFIED)


def t(language: str, key: str, **values: object) -> str:
    table = STRINGS.get(language) or STRINGS.get(language.split("-")[0]) or STRINGS["en"]
    return (table.get(key) or STRINGS["en"][key]).format(**values)


def pick(localized: dict[str, str], language: str, fallback: str = "en") -> str:
    """A pack text in `language`, else the fallback, else any language it has."""
    return localized.get(language) or localized.get(fallback) or next(iter(localized.values()), "")

"""The few words of the bot's own chrome, in each language a channel can read in.

Article text comes from the content pack; this is only the frame around it (button labels, context
lines). Unknown languages fall back to English.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "read_full": "Read the full section",
        "quick_check": "Quick check",
        "key_figures": "Key figures",
        "discuss": "Discuss",
        "section_of": "Section {number} of {total}",
        "introduction": "Introduction",
        "conclusion": "Conclusion",
        "next_on": "next on {when}",
        "full_text": "Full text",
        "continued": "(continued)",
        "close": "Close",
        # polls (bot/blocks/polls.py, bot/poll_service.py)
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
    },
    "zh-Hant": {
        "read_full": "閱讀全文",
        "quick_check": "小測驗",
        "key_figures": "關鍵數字",
        "discuss": "討論",
        "section_of": "第 {number} 節,共 {total} 節",
        "introduction": "引言",
        "conclusion": "結語",
        "next_on": "下一篇:{when}",
        "full_text": "全文",
        "continued": "(續)",
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
    },
}


def t(language: str, key: str, **values: object) -> str:
    table = STRINGS.get(language) or STRINGS.get(language.split("-")[0]) or STRINGS["en"]
    return (table.get(key) or STRINGS["en"][key]).format(**values)


def pick(localized: dict[str, str], language: str, fallback: str = "en") -> str:
    """A pack text in `language`, else the fallback, else any language it has."""
    return localized.get(language) or localized.get(fallback) or next(iter(localized.values()), "")

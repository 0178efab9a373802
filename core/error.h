#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace nemoscope {

// What went wrong and where. Every failure that can reach a user is one of these:
// the file as the user named it, the archive member or key path (empty when the
// fault belongs to the whole file), and the reason in plain words.
struct Error
{
    QString file;
    QString member;
    QString reason;

    // "file: member: reason", leaving out the parts that are empty.
    QString message() const;
};

// A value or the Error that prevented it. A minimal stand-in for C++23 std::expected.
template<typename T> class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_state(std::in_place_index<0>, std::move(value))
    { }
    Result(Error error)
        : m_state(std::in_place_index<1>, std::move(error))
    { }

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_state); }
    const T& value() const& { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

// Success or an Error, for operations with no value to return.
template<> class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
        , m_failed(true)
    { }

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return m_error; }

private:
    Error m_error;
    bool m_failed = false;
};

} // namespace nemoscope
